//! The synthetic data set: N facilities uniformly in China's bounding box, kinds uniform
//! over the six kinds, and the query points; deterministic for a given N.

use carecircle_core::clock::parse_instant;
use carecircle_core::hours::WeeklyHours;
use carecircle_core::{Facility, FacilityKind, Position, ServiceSet};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::path::Path;

/// China's box, as in the issue: lat 18-53 N, lon 73-135 E.
pub const LAT: (f64, f64) = (18.0, 53.0);
pub const LON: (f64, f64) = (73.0, 135.0);

const HOURS: [&str; 5] = [
    "mon-fri 08:00-17:30",
    "daily 10:30-13:00,16:30-18:30",
    "24h",
    "mon-sat 08:00-20:00; sun 09:00-12:00",
    "",
];

/// The facilities' columns the peers need, index i = facility "F{i:07}".
pub struct Points {
    pub lat: Vec<f64>,
    pub lon: Vec<f64>,
    pub kind: Vec<u8>,
}

pub struct Query {
    pub lat: f64,
    pub lon: f64,
    pub kind: u8,
}

pub fn id(i: usize) -> String {
    format!("F{i:07}")
}

/// The facility index back from an id made by [`id`].
pub fn index_of(id: &str) -> usize {
    id[1..].parse().expect("bench ids are F + digits")
}

/// N facilities, seeded by N; calls `sink` with chunks so the whole set need not sit in memory twice.
pub fn facilities(n: usize, chunk: usize, mut sink: impl FnMut(&[Facility])) -> Points {
    let mut rng = StdRng::seed_from_u64(0x00CA_8EC1_8C1E ^ n as u64);
    let updated_at = parse_instant("2026-11-23T09:00").expect("fixed instant");
    let hours: Vec<WeeklyHours> = HOURS.iter().map(|h| WeeklyHours::parse(h).expect("fixed hours")).collect();
    let mut points = Points { lat: Vec::with_capacity(n), lon: Vec::with_capacity(n), kind: Vec::with_capacity(n) };
    let mut batch = Vec::with_capacity(chunk.min(n));
    for i in 0..n {
        let lat = LAT.0 + (LAT.1 - LAT.0) * rng.random::<f64>();
        let lon = LON.0 + (LON.1 - LON.0) * rng.random::<f64>();
        let kind = rng.random_range(0..FacilityKind::ALL.len());
        let h = rng.random_range(0..HOURS.len());
        let services = ServiceSet::from_bits(rng.random::<u16>());
        points.lat.push(lat);
        points.lon.push(lon);
        points.kind.push(kind as u8);
        batch.push(Facility {
            id: id(i),
            name: format!("居家养老服务站{i}"),
            kind: FacilityKind::ALL[kind],
            position: Position::new(lat, lon).expect("inside the box"),
            address: format!("幸福路{}号", i % 9973),
            phone: format!("0574-8{:07}", i % 10_000_000),
            hours: hours[h].clone(),
            services,
            capacity: 10 + (i % 90) as u32,
            division: "330211003001".into(),
            updated_at,
            deleted: false,
        });
        if batch.len() == chunk {
            sink(&batch);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        sink(&batch);
    }
    points
}

/// Query points in the same box, each with the kind it asks for.
pub fn queries(n: usize, count: usize) -> Vec<Query> {
    let mut rng = StdRng::seed_from_u64(0x0051_EE9E ^ n as u64);
    (0..count)
        .map(|_| Query {
            lat: LAT.0 + (LAT.1 - LAT.0) * rng.random::<f64>(),
            lon: LON.0 + (LON.1 - LON.0) * rng.random::<f64>(),
            kind: rng.random_range(0..FacilityKind::ALL.len()) as u8,
        })
        .collect()
}

/// Writes a little-endian float64 array of `cols` columns as NumPy's .npy (format 1.0).
pub fn write_npy(path: &Path, data: &[f64], cols: usize) -> std::io::Result<()> {
    let rows = data.len() / cols;
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(b"\x93NUMPY\x01\x00")?;
    out.write_all(&(header.len() as u16).to_le_bytes())?;
    out.write_all(header.as_bytes())?;
    for v in data {
        out.write_all(&v.to_le_bytes())?;
    }
    out.flush()
}
