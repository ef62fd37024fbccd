//! The walking network: import an OpenStreetMap extract, walk between two points, the area
//! within a walk.

use crate::facilities::Place;
use crate::output::Output;
use carecircle_core::{CareCircle, Crs, Position, Result};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum NetworkCmd {
    /// Read the pedestrian network of an OpenStreetMap PBF extract and store it (replacing any).
    Import { file: PathBuf },
    /// What is stored: nodes, edges, size.
    Show,
}

#[derive(Args)]
pub struct WalkArgs {
    #[arg(long, allow_hyphen_values = true)]
    from_lat: f64,
    #[arg(long, allow_hyphen_values = true)]
    from_lon: f64,
    #[arg(long, allow_hyphen_values = true)]
    to_lat: f64,
    #[arg(long, allow_hyphen_values = true)]
    to_lon: f64,
    /// Coordinate system of both points: wgs84 (GPS), gcj02 (Amap, Tencent) or bd09 (Baidu).
    #[arg(long, default_value = "wgs84")]
    crs: Crs,
}

#[derive(Args)]
pub struct IsochroneArgs {
    #[command(flatten)]
    place: Place,
    /// Walking minutes.
    #[arg(long, default_value_t = 15.0, allow_hyphen_values = true)]
    minutes: f64,
}

pub fn network(cc: &CareCircle, out: &Output, cmd: NetworkCmd) -> Result<()> {
    match cmd {
        NetworkCmd::Import { file } => {
            let (summary, counts) = cc.import_network_pbf(&file)?;
            out.either(&serde_json::json!({"network": summary, "read": counts}), || {
                println!(
                    "imported {}: {} walkable ways of {} read; {} nodes, {} edges, {} parts, {:.1} km of walkable street; packed {} bytes ({:.1} per node)",
                    file.display(), counts.walkable_ways, counts.ways_read, summary.nodes, summary.edges, summary.components, summary.length_km, summary.packed_bytes, summary.bytes_per_node
                );
                if counts.missing_nodes > 0 {
                    println!("{} segments left out: the extract lacks one of their nodes", counts.missing_nodes);
                }
            })
        }
        NetworkCmd::Show => {
            let summary = cc.network_summary()?;
            out.either(&summary, || match &summary {
                Some(s) => println!("{}: {} nodes, {} edges, {} parts, {:.1} km; packed {} bytes ({:.1} per node); stored {}", s.source, s.nodes, s.edges, s.components, s.length_km, s.packed_bytes, s.bytes_per_node, s.updated_at),
                None => println!("no walking network: the circle is judged in a straight line (carecircle network import FILE.osm.pbf)"),
            })
        }
    }
}

pub fn walk(cc: &CareCircle, out: &Output, a: WalkArgs) -> Result<()> {
    let from = Position::from_crs(a.from_lat, a.from_lon, a.crs)?;
    let to = Position::from_crs(a.to_lat, a.to_lon, a.crs)?;
    let route = cc.walk(from, to)?;
    out.either(&route, || {
        println!("{:.0} m on foot, {:.1} minutes at {} m/s ({:.0} m in a straight line; {} points on the way)", route.metres, route.minutes, cc.settings().walk.speed_m_per_s, route.straight_m, route.path.len())
    })
}

pub fn isochrone(cc: &CareCircle, out: &Output, a: IsochroneArgs) -> Result<()> {
    let iso = cc.isochrone(a.place.position()?, a.minutes)?;
    if out.json {
        return out.value(&iso.geometry);
    }
    let polygons = match iso.geometry["type"].as_str() {
        Some("Polygon") => 1,
        _ => iso.geometry["coordinates"].as_array().map_or(0, Vec::len),
    };
    println!("{} minutes on foot ({:.0} m) from {:.6},{:.6} (WGS-84): {:.2} km2 in {polygons} polygon(s), {} network nodes reached", iso.minutes, iso.metres, iso.lat, iso.lon, iso.area_m2 / 1e6, iso.nodes_reached);
    println!("--json prints the GeoJSON geometry");
    Ok(())
}
