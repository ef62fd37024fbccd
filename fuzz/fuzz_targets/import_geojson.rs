//! The GeoJSON importers on one in-memory platform made once: facilities (`import_text` with
//! `Format::GeoJson`, as the CLI, the bindings and the demo call it) under each coordinate
//! system a caller may ask for, and administrative divisions (`import_divisions_geojson`).
//! Imports are whole-file: a refused file changes nothing, an accepted one is stored.
//! Any panic, and any error other than the rules refusing the file, is a finding.
#![no_main]

use carecircle_core::import::Format;
use carecircle_core::{CareCircle, Crs};
use carecircle_fuzz::{empty_platform, no_internal_error};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn platform() -> &'static CareCircle {
    static CC: OnceLock<CareCircle> = OnceLock::new();
    CC.get_or_init(empty_platform)
}

fuzz_target!(|data: &[u8]| {
    // Files are read as UTF-8 text (`import_file` refuses anything else before parsing).
    let Ok(text) = std::str::from_utf8(data) else { return };
    let cc = platform();
    let crs = [None, Some(Crs::Wgs84), Some(Crs::Gcj02), Some(Crs::Bd09)][data.len() % 4];
    no_internal_error("import_text geojson", &cc.import_text(text, Format::GeoJson, crs));
    no_internal_error("import_divisions_geojson", &cc.import_divisions_geojson(text));
});
