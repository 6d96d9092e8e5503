//! The one place a panic is stopped before it reaches Python: pyo3 would raise it as
//! `PanicException`, a `BaseException` that user code cannot even catch. Every binding
//! that does work runs its body through [`guarded`].

use pyo3::prelude::*;
use pyo3::PyTypeInfo;

/// `body()`, with a panic inside it raised as the exception `E` (a `GenevarsError`
/// subclass) whose message names `what` (the input being worked on) and the panic.
pub(crate) fn guarded<E: PyTypeInfo, T>(
    what: &str,
    body: impl FnOnce() -> PyResult<T>,
) -> PyResult<T> {
    crate::guard::catching(body).unwrap_or_else(|panicked| {
        Err(super::errors::masked_err::<E>(format!(
            "{what}: {panicked}; this is a bug in genevars, please report it with the input"
        )))
    })
}
