//! Bindings for snapshots: the native scanner and the snapshot loader.
//!
//! Both cross the boundary as JSON text: one `json.loads` on the Python side is faster
//! than building thousands of dicts object by object, and keeps this layer thin.

use std::path::PathBuf;

use pyo3::prelude::*;

use super::errors::SnapshotError;
use crate::snapshot::{self, scan};

/// The shape of `scan_paths` output. The stdlib probe uses the native scanner only when
/// this matches the version it was written for (a worker may have another genevars).
const SCAN_PROTOCOL: u32 = 1;

/// Scans path entries in order: `{"packages": [...], "unreadable": [...]}` as JSON.
///
/// Never raises for what it finds on disk; unreadable entries are recorded with a reason.
#[pyfunction]
fn scan_paths(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<String> {
    py.allow_threads(|| {
        let result = scan::scan_paths(&paths);
        serde_json::to_string(&result)
    })
    .map_err(|e| SnapshotError::new_err(format!("cannot serialize the scan result: {e}")))
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
    m.add_function(wrap_pyfunction!(validate_snapshot, m)?)?;
    m.add("SCAN_PROTOCOL", SCAN_PROTOCOL)?;
    Ok(())
}
