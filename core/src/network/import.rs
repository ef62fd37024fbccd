//! Reading a pedestrian network from an OpenStreetMap PBF extract (with the maintained
//! `osmpbf` crate), once per district.
//!
//! Walkable ways: every way with a `highway` tag except [`NOT_WALKABLE`]; and not those tagged
//! `foot=no`, `access=no` or `access=private`, unless also `foot=yes|designated|permissive`.
//! `oneway` is ignored (people walk both ways). Each pair of consecutive nodes of a walkable
//! way is one segment; a node the extract lacks (a way clipped at the extract's edge) breaks
//! the way there.

use super::graph::Graph;
use crate::error::{Error, Result};
use std::collections::HashMap;

/// `highway` values nobody walks along.
pub const NOT_WALKABLE: &[&str] = &["motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed", "bus_guideway", "raceway", "platform"];

/// Is a way with these tags walkable? `tag(key)` gives a tag's value.
pub fn walkable<'a>(tag: impl Fn(&str) -> Option<&'a str>) -> bool {
    let Some(highway) = tag("highway") else { return false };
    if NOT_WALKABLE.contains(&highway) {
        return false;
    }
    match tag("foot") {
        Some("yes" | "designated" | "permissive") => true,
        Some("no") => false,
        _ => !matches!(tag("access"), Some("no" | "private")),
    }
}

/// What an import read.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PbfCounts {
    pub nodes_read: u64,
    pub ways_read: u64,
    pub walkable_ways: u64,
    /// Segments dropped because the extract lacks one of their nodes.
    pub missing_nodes: u64,
}

/// Reads the walking graph of a PBF file.
pub fn read_pbf(path: &std::path::Path) -> Result<(Graph, PbfCounts)> {
    // Open first, so that a missing file is "file could not be read", not a format error.
    let file = std::fs::File::open(path)?;
    let reader = osmpbf::ElementReader::new(std::io::BufReader::new(file));
    let mut nodes: HashMap<i64, [i32; 2]> = HashMap::new();
    let mut ways: Vec<Vec<i64>> = Vec::new();
    let mut counts = PbfCounts::default();
    reader
        .for_each(|element| match element {
            osmpbf::Element::Node(n) => {
                counts.nodes_read += 1;
                nodes.insert(n.id(), [n.decimicro_lat(), n.decimicro_lon()]);
            }
            osmpbf::Element::DenseNode(n) => {
                counts.nodes_read += 1;
                nodes.insert(n.id(), [n.decimicro_lat(), n.decimicro_lon()]);
            }
            osmpbf::Element::Way(w) => {
                counts.ways_read += 1;
                let tags: Vec<(&str, &str)> = w.tags().collect();
                if walkable(|k| tags.iter().find(|(key, _)| *key == k).map(|(_, v)| *v)) {
                    counts.walkable_ways += 1;
                    ways.push(w.refs().collect());
                }
            }
            osmpbf::Element::Relation(_) => {}
        })
        .map_err(|e| Error::invalid("OSM PBF file", format!("not a readable OpenStreetMap PBF file ({})", crate::facility::truncate(&e.to_string(), 200))))?;
    if counts.nodes_read == 0 && counts.ways_read == 0 {
        return Err(Error::invalid("OSM PBF file", "the file holds no OpenStreetMap nodes or ways"));
    }
    // Only nodes on walkable ways become graph nodes.
    let mut index: HashMap<i64, u32> = HashMap::new();
    let mut coords: Vec<[i32; 2]> = Vec::new();
    let mut segments = Vec::new();
    for refs in &ways {
        let mut prev: Option<u32> = None;
        for id in refs {
            let Some(c) = nodes.get(id) else {
                if prev.is_some() {
                    counts.missing_nodes += 1;
                }
                prev = None;
                continue;
            };
            if !(-900_000_000..=900_000_000).contains(&c[0]) || !(-1_800_000_000..=1_800_000_000).contains(&c[1]) {
                return Err(Error::invalid("OSM PBF file", format!("node {id} has coordinates outside the globe")));
            }
            let i = *index.entry(*id).or_insert_with(|| {
                coords.push(*c);
                (coords.len() - 1) as u32
            });
            if let Some(p) = prev {
                segments.push((p, i));
            }
            prev = Some(i);
        }
    }
    Ok((Graph::from_segments(&coords, segments), counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags<'a>(t: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + 'a {
        move |k| t.iter().find(|(key, _)| *key == k).map(|(_, v)| *v)
    }

    #[test]
    fn the_walkable_filter_follows_the_contract() {
        assert!(walkable(tags(&[("highway", "residential"), ("oneway", "yes")])));
        assert!(walkable(tags(&[("highway", "footway")])));
        assert!(walkable(tags(&[("highway", "primary")])));
        for hw in NOT_WALKABLE {
            assert!(!walkable(tags(&[("highway", hw)])), "{hw}");
            // foot=yes does not make a motorway walkable: the highway list comes first.
            assert!(!walkable(tags(&[("highway", hw), ("foot", "yes")])), "{hw}");
        }
        assert!(!walkable(tags(&[("building", "yes")])));
        assert!(!walkable(tags(&[("highway", "service"), ("foot", "no")])));
        assert!(!walkable(tags(&[("highway", "service"), ("access", "private")])));
        assert!(!walkable(tags(&[("highway", "service"), ("access", "no")])));
        assert!(walkable(tags(&[("highway", "service"), ("access", "private"), ("foot", "yes")])));
        assert!(walkable(tags(&[("highway", "service"), ("access", "no"), ("foot", "designated")])));
        assert!(walkable(tags(&[("highway", "service"), ("access", "no"), ("foot", "permissive")])));
        assert!(walkable(tags(&[("highway", "service"), ("access", "destination")])));
    }
}
