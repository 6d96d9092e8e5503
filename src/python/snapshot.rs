//! Bindings for snapshots: the native scanner and the snapshot loader.
//!
//! A scan result crosses the boundary as Python objects (pythonize), which is quicker
//! than JSON text and `json.loads`; snapshots cross as JSON text, which Python keeps.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::errors::SnapshotError;
use crate::snapshot::{self, metadata::Fields, scan};

/// The shape of `scan_paths` output: 1 was JSON text, 2 is the dict. The stdlib probe
/// uses the native scanner only with a protocol it knows (a worker may have another
/// genevars).
const SCAN_PROTOCOL: u32 = 2;

/// Scans path entries in order: `{"packages": [...], "unreadable": [...]}`.
///
/// Never raises for what it finds on disk; unreadable entries are recorded with a reason.
#[pyfunction]
fn scan_paths(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Bound<'_, PyAny>> {
    let result = py.allow_threads(|| scan::scan_paths(&paths));
    pythonize::pythonize(py, &result)
        .map_err(|e| SnapshotError::new_err(format!("cannot convert the scan result: {e}")))
}

/// `{normalized name: version}` of the distributions `import` would load from `paths`
/// (the first of each name), reading one metadata file per distribution and that only as
/// far as its Version. Distributions whose metadata cannot be read are left out.
#[pyfunction]
fn installed_versions(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Bound<'_, PyDict>> {
    let result = py.allow_threads(|| scan::scan_paths_for(&paths, Fields::NameAndVersion));
    let versions = PyDict::new(py);
    for package in result.packages {
        versions.set_item(package.name, package.version)?;
    }
    Ok(versions)
}

/// Validates snapshot JSON and returns it normalized (defaults filled in).
///
/// Raises `SnapshotError` with one line naming `source` and the problem.
#[pyfunction]
#[pyo3(signature = (text, source = "<string>"))]
fn validate_snapshot(py: Python<'_>, text: &str, source: &str) -> PyResult<String> {
    py.allow_threads(|| -> Result<String, String> {
        let parsed = snapshot::from_json_str(source, text).map_err(|e| e.to_string())?;
        serde_json::to_string(&parsed).map_err(|e| format!("{source}: cannot re-serialize: {e}"))
    })
    .map_err(SnapshotError::new_err)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_paths, m)?)?;
    m.add_function(wrap_pyfunction!(installed_versions, m)?)?;
    m.add_function(wrap_pyfunction!(validate_snapshot, m)?)?;
    m.add("SCAN_PROTOCOL", SCAN_PROTOCOL)?;
    Ok(())
}
