//! The Python exception hierarchy. Every error the core returns maps to one of these;
//! no Rust panic is allowed to reach Python.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::PyTypeInfo;

use crate::redact;

create_exception!(
    genevars,
    GenevarsError,
    PyException,
    "Base class of every error genevars raises."
);
create_exception!(
    genevars,
    SnapshotError,
    GenevarsError,
    "A snapshot could not be read, parsed or taken."
);
create_exception!(
    genevars,
    ComparisonError,
    GenevarsError,
    "Snapshots could not be compared."
);
create_exception!(
    genevars,
    ManifestError,
    GenevarsError,
    "A manifest failed validation, or its file could not be read."
);
create_exception!(
    genevars,
    RuleError,
    GenevarsError,
    "A rules file or rule is malformed."
);
create_exception!(
    genevars,
    ClusterError,
    GenevarsError,
    "The Ray cluster could not be reached or probed."
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("GenevarsError", py.get_type::<GenevarsError>())?;
    m.add("SnapshotError", py.get_type::<SnapshotError>())?;
    m.add("ComparisonError", py.get_type::<ComparisonError>())?;
    m.add("ManifestError", py.get_type::<ManifestError>())?;
    m.add("RuleError", py.get_type::<RuleError>())?;
    m.add("ClusterError", py.get_type::<ClusterError>())?;
    Ok(())
}

/// A Python exception of type `E` whose message has every credential masked: error texts
/// echo their input (a requirement line, an image name, a manifest field), and no
/// exception may carry a secret. Every error the bindings raise is made here.
pub(crate) fn masked_err<E: PyTypeInfo>(message: impl std::fmt::Display) -> PyErr {
    PyErr::new::<E, _>(redact::masked(&message.to_string()))
}

