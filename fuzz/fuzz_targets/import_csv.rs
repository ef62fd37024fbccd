//! The CSV importers on one in-memory platform made once: facilities (`import_text` with
//! `Format::Csv`) under each coordinate system a caller may ask for, seniors and caregivers
//! (`person::parse_seniors_csv` / `parse_caregivers_csv`, then stored as the CLI's `import`
//! commands do) and homes (`circle::parse_homes_csv`, the coverage report's input).
//! Any panic, and any error other than the rules refusing the file, is a finding.
#![no_main]

use carecircle_core::circle::parse_homes_csv;
use carecircle_core::import::Format;
use carecircle_core::person::{parse_caregivers_csv, parse_seniors_csv};
use carecircle_core::{CareCircle, Crs};
use carecircle_fuzz::{empty_platform, no_internal_error};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn platform() -> &'static CareCircle {
    static CC: OnceLock<CareCircle> = OnceLock::new();
    CC.get_or_init(empty_platform)
}

fuzz_target!(|data: &[u8]| {
    // Files are read as UTF-8 text (`read_to_string`, `import_file`).
    let Ok(text) = std::str::from_utf8(data) else { return };
    let cc = platform();
    let crs = [None, Some(Crs::Wgs84), Some(Crs::Gcj02), Some(Crs::Bd09)][data.len() % 4];
    no_internal_error("import_text csv", &cc.import_text(text, Format::Csv, crs));
    match parse_seniors_csv(text) {
        Ok(seniors) => no_internal_error("put_seniors", &cc.put_seniors(&seniors)),
        Err(e) => no_internal_error("parse_seniors_csv", &Err::<(), _>(e)),
    }
    match parse_caregivers_csv(text) {
        Ok(list) => no_internal_error("put_caregivers", &cc.put_caregivers(&list)),
        Err(e) => no_internal_error("parse_caregivers_csv", &Err::<(), _>(e)),
    }
    no_internal_error("parse_homes_csv", &parse_homes_csv(text, crs));
});
