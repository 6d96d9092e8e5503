//! PyO3 bindings: thin wrappers over the core, errors mapped to Python exceptions.
//! Each concept registers its own classes and functions.

use pyo3::prelude::*;

mod codes;
mod compare;
mod deps;
mod described;
mod errors;
mod explain;
mod guard;
mod io;
mod manifest;
mod redact;
mod snapshot;

#[pymodule]
#[pyo3(name = "_core")]
fn genevars_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    snapshot::register(m)?;
    compare::register(m)?;
    manifest::register(m)?;
    redact::register(m)?;
    deps::register(m)?;
    io::register(m)?;
    explain::register(m)?;
    codes::register(m)?;
    described::register(m)?;
    Ok(())
}
