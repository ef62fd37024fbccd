//! The Rust side of the FFI cost benchmark (scripts/kotlin-bench.sh runs it beside
//! tests/bindings/kotlin/FfiBench.kt): the same nearest query (a GCJ-02 position in
//! Zhenhai, canteens, k = 5) straight on the core, and through this crate's Rust API
//! (conversions included, no foreign call), as median microseconds per call.
//!
//! A unit test that is ignored unless asked for (the crate builds no rlib an example
//! could link):
//!
//!     cargo test --release -p carecircle-ffi --lib -- --ignored --exact --nocapture bench::nearest_and_open

use carecircle_core::{CareCircle as Core, Crs as CoreCrs, FacilityKind as CoreKind, NearbyQuery as CoreQuery, Position, Settings as CoreSettings};
use crate::CareCircle;
use crate::carecircle::default_settings;
use crate::facility::{FacilityKind, NearbyQuery};
use crate::position::Crs;
use std::hint::black_box;
use std::time::Instant;

const LAT: f64 = 29.958439;
const LON: f64 = 121.722260;
const BATCH: usize = 100;
const BATCHES: usize = 2000;

/// Median and 90th percentile of per-call microseconds over `BATCHES` batches of `BATCH`
/// calls, after as many warm-up calls.
fn measure(mut call: impl FnMut() -> usize) -> (f64, f64) {
    for _ in 0..BATCH * BATCHES / 10 {
        black_box(call());
    }
    let mut per_call: Vec<f64> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..BATCH {
                assert_eq!(black_box(call()), 5);
            }
            start.elapsed().as_secs_f64() * 1e6 / BATCH as f64
        })
        .collect();
    per_call.sort_by(f64::total_cmp);
    (per_call[BATCHES / 2], per_call[BATCHES * 9 / 10])
}

#[test]
#[ignore = "a benchmark: run by scripts/kotlin-bench.sh"]
fn nearest_and_open() {
    let file = format!("{}/../data/zhenhai-facilities.geojson", env!("CARGO_MANIFEST_DIR"));

    let core = Core::open_in_memory(CoreSettings::default()).expect("open core");
    core.import_file(&file, None).expect("import into core");
    let query = CoreQuery::new(Position::from_crs(LAT, LON, CoreCrs::Gcj02).unwrap()).kinds([CoreKind::Canteen]).k(5);
    let (core_median, core_p90) = measure(|| core.nearest(&query).unwrap().len());

    // The bindings' own API; its async import is driven by a small tokio runtime here.
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("tokio");
    let cc = CareCircle::open_in_memory(default_settings()).expect("open bindings");
    runtime.block_on(cc.import_file(file.clone(), None)).expect("import through the bindings");
    let q = NearbyQuery { kinds: vec![FacilityKind::Canteen], services: vec![], open_at: None, k: 5, radius_m: None };
    let (ffi_median, ffi_p90) = measure(|| cc.nearest(LAT, LON, Crs::Gcj02, q.clone()).unwrap().len());

    let (open_median, _) = {
        let mut t: Vec<f64> = (0..200)
            .map(|_| {
                let start = Instant::now();
                black_box(Core::open_in_memory(CoreSettings::default()).unwrap());
                start.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        t.sort_by(f64::total_cmp);
        (t[t.len() / 2], ())
    };

    let dir = std::env::temp_dir().join(format!("carecircle-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("bench.db");
    Core::open(&db, CoreSettings::default()).unwrap().import_file(&file, None).unwrap();
    let open_file_median = {
        let mut t: Vec<f64> = (0..50)
            .map(|_| {
                let start = Instant::now();
                black_box(Core::open(&db, CoreSettings::default()).unwrap());
                start.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    let _ = std::fs::remove_dir_all(&dir);

    println!("rust nearest k=5 (core):           median {core_median:.2} us, p90 {core_p90:.2} us per call");
    println!("rust nearest k=5 (bindings' API):  median {ffi_median:.2} us, p90 {ffi_p90:.2} us per call");
    println!("rust open in memory (core):        median {open_median:.0} us");
    println!("rust open file, 130 facilities:    median {open_file_median:.0} us");
}
