//! Binding for explaining an error from a comparison: the explanation crosses as JSON.

use pyo3::prelude::*;

use super::compare::PyComparison;
use crate::explain;

/// Ranks the findings of `comparison` by how likely each caused `error` (a formatted
/// traceback or any text holding the exception); returns the explanation as JSON, with
/// its text rendering under `"text"`.
#[pyfunction]
fn explain_error(py: Python<'_>, comparison: &PyComparison, error: &str) -> String {
    let (c, local, remote) = comparison.parts();
    py.allow_threads(|| {
        let remotes: Vec<_> = remote.into_iter().collect();
        let e = explain::explain(c, Some(local), &remotes, error);
        let mut value = serde_json::to_value(&e).expect("an explanation serializes");
        value["text"] = serde_json::Value::String(e.to_text());
        value.to_string()
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(explain_error, m)?)?;
    Ok(())
}
