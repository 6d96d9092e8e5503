//! The file reader every input goes through, and the escaping every text output uses.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::input::{read_text, InputKind};

/// The UTF-8 text of a regular file read as `kind` (`snapshot`, `manifest`, `rules`,
/// `requirements`, `conda`, `runtime_env`): bounded by the kind's limit, never blocking
/// on a FIFO or device; errors are one line naming the file.
#[pyfunction]
fn read_input(py: Python<'_>, path: PathBuf, kind: &str) -> PyResult<String> {
    let kind = InputKind::from_name(kind)
        .ok_or_else(|| PyValueError::new_err(format!("unknown input kind {kind:?}")))?;
    Ok(py.allow_threads(|| read_text(&path, kind))?)
}

/// `text` with the characters a terminal would act on written as visible escapes
/// (`\x1b`, `\r`, `\n`, `\u202e`), as every text report writes them.
#[pyfunction]
fn escape_controls(text: &str) -> String {
    crate::report::escape_controls(text).into_owned()
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read_input, m)?)?;
    m.add_function(wrap_pyfunction!(escape_controls, m)?)?;
    Ok(())
}
