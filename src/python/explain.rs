//! Binding for explaining an error from a comparison: the explanation crosses as JSON.

use pyo3::prelude::*;

use super::compare::PyComparison;
use super::errors::ComparisonError;
use super::guard::guarded;
use crate::{explain, redact};

/// Ranks the findings of `comparison` by how likely each caused `error` (a formatted
/// traceback or any text holding the exception); returns the explanation as JSON, with
/// its text rendering under `"text"`.
/// The error text is the user's and may quote credentials: the explanation is masked
/// unless the comparison reveals values.
#[pyfunction]
fn explain_error(py: Python<'_>, comparison: &PyComparison, error: &str) -> PyResult<String> {
    let (c, local, remote) = comparison.parts();
    guarded::<ComparisonError, _>("explaining the error", || {
        Ok(py.allow_threads(|| {
            let remotes: Vec<_> = remote.into_iter().collect();
            let e = explain::explain(c, Some(local), &remotes, error);
            let mut value = serde_json::to_value(&e).expect("an explanation serializes");
            value["text"] = serde_json::Value::String(e.to_text());
            let text = value.to_string();
            if c.options.reveal_values {
                text
            } else {
                redact::masked(&text)
            }
        }))
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(explain_error, m)?)?;
    Ok(())
}
