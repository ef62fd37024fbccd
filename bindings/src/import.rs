//! Importing facility files (GeoJSON or CSV). A file with any bad row is rejected whole and
//! the database is left as it was; the error names every bad row.

use crate::carecircle::CareCircle;
use crate::error::CareCircleError;
use crate::position::Crs;
use carecircle_core::catalogue::BatchReport;
use carecircle_core::import::Format;

/// The format of imported text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ImportFormat {
    /// An RFC 7946 FeatureCollection of Points.
    GeoJson,
    /// A header row with at least `id,name,kind,lat,lon`.
    Csv,
}

impl From<ImportFormat> for Format {
    fn from(f: ImportFormat) -> Self {
        match f {
            ImportFormat::GeoJson => Format::GeoJson,
            ImportFormat::Csv => Format::Csv,
        }
    }
}

/// What an import changed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    pub inserted: u32,
    pub updated: u32,
}

impl From<BatchReport> for ImportReport {
    fn from(r: BatchReport) -> Self {
        ImportReport { inserted: r.inserted, updated: r.updated }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl CareCircle {
    /// Imports a `.geojson`, `.json` or `.csv` file of facilities in one transaction, off the
    /// caller's thread. `crs` is the coordinate system of the file's positions; `null`/`nil`
    /// means the one the file declares (`coordinate_system`), else WGS-84. If both name one,
    /// they must agree. Re-importing an id updates that facility.
    pub async fn import_file(&self, path: String, crs: Option<Crs>) -> Result<ImportReport, CareCircleError> {
        let inner = self.inner.clone();
        let report = tokio::task::spawn_blocking(move || inner.import_file(path, crs.map(Into::into))).await??;
        Ok(report.into())
    }

    /// As `importFile`, for text the app already holds (e.g. downloaded).
    pub async fn import_text(&self, text: String, format: ImportFormat, crs: Option<Crs>) -> Result<ImportReport, CareCircleError> {
        let inner = self.inner.clone();
        let report = tokio::task::spawn_blocking(move || inner.import_text(&text, format.into(), crs.map(Into::into))).await??;
        Ok(report.into())
    }
}
