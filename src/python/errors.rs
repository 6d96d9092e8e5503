//! The Python exception hierarchy. Every error the core returns maps to one of these;
//! no Rust panic is allowed to reach Python.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::PyTypeInfo;

use crate::deps::{DepsError, RequirementOf};
use crate::error::CoreError;
use crate::input::InputKind;
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

/// The exception class of each core error, by variant (as polars' `error.rs` does); the
/// message is masked like every other.
impl From<CoreError> for PyErr {
    fn from(err: CoreError) -> PyErr {
        let message = err.to_string();
        match &err {
            CoreError::Snapshot(_) | CoreError::Write(_) => masked_err::<SnapshotError>(message),
            CoreError::Compare(_) => masked_err::<ComparisonError>(message),
            CoreError::Deps(DepsError::Markers { .. }) => masked_err::<SnapshotError>(message),
            CoreError::Deps(DepsError::Requirement { what, .. }) => match what {
                RequirementOf::ManifestPin => masked_err::<ManifestError>(message),
                RequirementOf::Root | RequirementOf::Requirement => {
                    masked_err::<GenevarsError>(message)
                }
            },
            CoreError::Deps(DepsError::Rule(_)) | CoreError::Rule(_) => {
                masked_err::<RuleError>(message)
            }
            CoreError::Manifest(_) => masked_err::<ManifestError>(message),
            CoreError::Input(e) => match e.problem.kind() {
                InputKind::Snapshot => masked_err::<SnapshotError>(message),
                InputKind::Rules => masked_err::<RuleError>(message),
                InputKind::Manifest | InputKind::Requirements | InputKind::Conda => {
                    masked_err::<ManifestError>(message)
                }
                InputKind::RuntimeEnv => masked_err::<GenevarsError>(message),
            },
        }
    }
}

/// `?` on a core error in a binding raises its exception class (through [`CoreError`]).
macro_rules! into_py_err {
    ($($error:ty),*) => {$(
        impl From<$error> for PyErr {
            fn from(err: $error) -> PyErr {
                CoreError::from(err).into()
            }
        }
    )*};
}

into_py_err!(
    crate::snapshot::SnapshotError,
    crate::snapshot::write::WriteError,
    crate::compare::CompareError,
    DepsError,
    crate::deps::RuleError,
    crate::manifest::ManifestError,
    crate::input::InputError
);
