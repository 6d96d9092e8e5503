//! Bindings for `snapshot --python`'s saved interpreter descriptions and the rest of a
//! described interpreter's snapshot (`snapshot::described`, `snapshot::parts`): the one
//! implementation both `genevars` (Python) and the native launcher use.

use std::ffi::OsString;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::errors::SnapshotError;
use super::guard::guarded;
use crate::snapshot::described::{Described, DescriptionCache};
use crate::snapshot::parts;
use crate::snapshot::posix::Surroundings;

/// The process's surroundings, with `environ` (`os.environb`'s items) for its
/// environment when given: a library may change the C environment under Python
/// (readline exports `COLUMNS`), and what Python reads is `os.environ`.
fn surroundings(environ: Option<Vec<(OsString, OsString)>>) -> Surroundings {
    let mut around = Surroundings::of_process();
    if let Some(environ) = environ {
        around.vars = environ;
    }
    around
}

type Environ<'py> = Option<Vec<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>>;

/// `os.environb`'s items as the OS's strings.
fn os_strings(environ: Environ<'_>) -> Option<Vec<(OsString, OsString)>> {
    let os = |b: &Bound<'_, PyBytes>| os_string(b.as_bytes());
    environ.map(|pairs| pairs.iter().map(|(n, v)| (os(n), os(v))).collect())
}

#[cfg(unix)]
fn os_string(bytes: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).to_os_string()
}

// No `os.environb` there: never called.
#[cfg(not(unix))]
fn os_string(bytes: &[u8]) -> OsString {
    OsString::from(String::from_utf8_lossy(bytes).into_owned())
}

/// `(file, key_json)` of the saved description of `exe` in this process's setting, or
/// None when none is kept (see `_interpreter.DescriptionCache`).
#[pyfunction]
#[pyo3(signature = (exe, environ = None))]
fn description_cache(
    py: Python<'_>,
    exe: &str,
    environ: Environ<'_>,
) -> PyResult<Option<(String, String)>> {
    let environ = os_strings(environ);
    guarded::<SnapshotError, _>("finding the description cache", || {
        Ok(py.allow_threads(|| {
            DescriptionCache::for_interpreter(exe, &surroundings(environ)).map(|cache| {
                let key = cache.key_json();
                (cache.file, key)
            })
        }))
    })
}

/// The saved description of `exe` as JSON text, or None when there is none or it may be
/// stale.
#[pyfunction]
#[pyo3(signature = (exe, environ = None))]
fn load_description(py: Python<'_>, exe: &str, environ: Environ<'_>) -> PyResult<Option<String>> {
    let environ = os_strings(environ);
    guarded::<SnapshotError, _>("loading a saved description", || {
        Ok(py.allow_threads(|| {
            DescriptionCache::for_interpreter(exe, &surroundings(environ))
                .and_then(|cache| cache.load())
                .map(|described| described.facts_json().to_string())
        }))
    })
}

/// The JSON text of every field but the scan's of the snapshot of the interpreter that
/// `facts` (JSON) describes, made in this process's surroundings, as Python's
/// `json.dumps(parts)` writes it; None where it is left to Python (`parts::Declined`).
#[pyfunction]
#[pyo3(signature = (facts, environ = None))]
fn described_parts(py: Python<'_>, facts: &str, environ: Environ<'_>) -> PyResult<Option<String>> {
    let environ = os_strings(environ);
    guarded::<SnapshotError, _>("the snapshot of a described interpreter", || {
        Ok(py.allow_threads(|| {
            Described::from_json(facts).and_then(|described| {
                parts::described_parts(&described, &surroundings(environ)).ok()
            })
        }))
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(description_cache, m)?)?;
    m.add_function(wrap_pyfunction!(load_description, m)?)?;
    m.add_function(wrap_pyfunction!(described_parts, m)?)?;
    m.add(
        "DESCRIPTION_CACHE_FORMAT",
        crate::snapshot::described::CACHE_FORMAT,
    )?;
    Ok(())
}
