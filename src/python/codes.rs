//! Binding for the list of finding codes: what each means and how it is treated.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::finding::Code;

/// One dict per finding code: `code`, `category`, `section`, `severity_from`,
/// `counts_in_fingerprint`, `fix`, `description`. The fixed codes, then the two families
/// `rule.<id>` and `drift.<code>`.
#[pyfunction]
fn list_codes(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let mut codes = Code::FIXED.to_vec();
    codes.push(Code::rule("<id>"));
    let list = PyList::empty(py);
    for code in &codes {
        list.append(info(py, code, code.as_str())?)?;
    }
    // A drift finding keeps the category, severity and fingerprint rule of what it wraps.
    let drift = Code::VersionMajor.drift();
    let entry = info(py, &drift, "drift.<code>")?;
    entry.set_item("category", "the wrapped code's")?;
    entry.set_item("severity_from", "the wrapped code's")?;
    entry.set_item("counts_in_fingerprint", py.None())?;
    list.append(entry)?;
    Ok(list)
}

fn info<'py>(py: Python<'py>, code: &Code, text: &str) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("code", text)?;
    d.set_item("category", code.category().as_str())?;
    d.set_item("section", code.section().as_str())?;
    d.set_item("severity_from", code.severity_key().to_string())?;
    d.set_item("counts_in_fingerprint", code.counts_in_fingerprint())?;
    d.set_item("fix", code.fix_action().as_str())?;
    d.set_item("description", code.description())?;
    Ok(d)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(list_codes, m)?)?;
    Ok(())
}
