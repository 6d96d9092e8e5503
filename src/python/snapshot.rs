//! Bindings for snapshots: the native scanner and the snapshot loader.
//!
//! A scan result crosses the boundary as the dicts and lists its JSON form loads as, built
//! directly; snapshots cross as JSON text, which Python keeps.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use super::errors::{masked_err, SnapshotError};
use super::guard::guarded;
use crate::snapshot::scan::ScanResult;
use crate::snapshot::tree::Evidence;
use crate::snapshot::{
    self, metadata::Fields, scan, tree, write, DirectUrl, Package, ShadowedCopy,
};

/// The shape of `scan_paths` output: 1 was JSON text, 2 is the dict. The stdlib probe
/// uses the native scanner only with a protocol it knows (a worker may have another
/// genevars).
const SCAN_PROTOCOL: u32 = 2;

/// Scans path entries in order: `{"packages": [...], "unreadable": [...]}`.
///
/// Never raises for what it finds on disk; unreadable entries are recorded with a reason.
#[pyfunction]
fn scan_paths(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Bound<'_, PyDict>> {
    guarded::<SnapshotError, _>("scanning the path entries", || {
        let result = py.allow_threads(|| scan::scan_paths(&paths));
        ScanObjects::new(py).result(&result)
    })
}

/// Builds the Python form of a scan result: what `json.loads` of its serde JSON gives
/// (`shadowed` left out when empty), made directly. This runs on one core after the
/// parallel scan, so it is kept cheap: interned keys, and one string object per location
/// however many packages share it. `tests/test_scan.py` checks it against the serde form.
struct ScanObjects<'py> {
    py: Python<'py>,
    locations: HashMap<String, Bound<'py, PyString>>,
}

impl<'py> ScanObjects<'py> {
    fn new(py: Python<'py>) -> Self {
        ScanObjects {
            py,
            locations: HashMap::new(),
        }
    }

    fn result(mut self, result: &ScanResult) -> PyResult<Bound<'py, PyDict>> {
        let py = self.py;
        let packages = PyList::empty(py);
        for package in &result.packages {
            packages.append(self.package(package)?)?;
        }
        let unreadable = PyList::empty(py);
        for entry in &result.unreadable {
            let item = PyDict::new(py);
            item.set_item(intern!(py, "path"), &entry.path)?;
            item.set_item(intern!(py, "reason"), &entry.reason)?;
            unreadable.append(item)?;
        }
        let out = PyDict::new(py);
        out.set_item(intern!(py, "packages"), packages)?;
        out.set_item(intern!(py, "unreadable"), unreadable)?;
        Ok(out)
    }

    fn location(&mut self, location: &str) -> Bound<'py, PyString> {
        if let Some(shared) = self.locations.get(location) {
            return shared.clone();
        }
        let made = PyString::new(self.py, location);
        self.locations.insert(location.to_string(), made.clone());
        made
    }

    fn package(&mut self, package: &Package) -> PyResult<Bound<'py, PyDict>> {
        let py = self.py;
        let item = PyDict::new(py);
        item.set_item(intern!(py, "name"), &package.name)?;
        item.set_item(intern!(py, "display_name"), &package.display_name)?;
        item.set_item(intern!(py, "version"), &package.version)?;
        item.set_item(intern!(py, "location"), self.location(&package.location))?;
        item.set_item(intern!(py, "metadata_path"), &package.metadata_path)?;
        item.set_item(intern!(py, "kind"), package.kind.as_str())?;
        item.set_item(intern!(py, "installer"), &package.installer)?;
        let direct_url = match &package.direct_url {
            Some(direct_url) => Some(self.direct_url(direct_url)?),
            None => None,
        };
        item.set_item(intern!(py, "direct_url"), direct_url)?;
        item.set_item(intern!(py, "requires_dist"), &package.requires_dist)?;
        item.set_item(intern!(py, "provides_extra"), &package.provides_extra)?;
        item.set_item(intern!(py, "requires_python"), &package.requires_python)?;
        if !package.shadowed.is_empty() {
            let shadowed = PyList::empty(py);
            for copy in &package.shadowed {
                shadowed.append(self.shadowed(copy)?)?;
            }
            item.set_item(intern!(py, "shadowed"), shadowed)?;
        }
        if !package.same_directory.is_empty() {
            let copies = PyList::empty(py);
            for copy in &package.same_directory {
                copies.append(self.shadowed(copy)?)?;
            }
            item.set_item(intern!(py, "same_directory"), copies)?;
        }
        if !package.import_names.is_empty() {
            item.set_item(intern!(py, "import_names"), &package.import_names)?;
        }
        if package.version_uncertain {
            item.set_item(intern!(py, "version_uncertain"), true)?;
        }
        Ok(item)
    }

    fn direct_url(&self, direct_url: &DirectUrl) -> PyResult<Bound<'py, PyDict>> {
        let py = self.py;
        let item = PyDict::new(py);
        item.set_item(intern!(py, "url"), &direct_url.url)?;
        item.set_item(intern!(py, "editable"), direct_url.editable)?;
        item.set_item(intern!(py, "kind"), &direct_url.kind)?;
        Ok(item)
    }

    fn shadowed(&mut self, copy: &ShadowedCopy) -> PyResult<Bound<'py, PyDict>> {
        let py = self.py;
        let item = PyDict::new(py);
        item.set_item(intern!(py, "version"), &copy.version)?;
        item.set_item(intern!(py, "location"), self.location(&copy.location))?;
        item.set_item(intern!(py, "metadata_path"), &copy.metadata_path)?;
        Ok(item)
    }
}

/// A scan kept in native memory, to be written as snapshot JSON text without ever becoming
/// Python objects (`genevars snapshot` writes 5,000 packages in a few milliseconds this way;
/// as dicts they cost more than the scan). Taken by `scan_native(paths)`, which returns at
/// once: the scan runs on a thread of its own while Python goes on (`genevars snapshot`
/// captures the environment meanwhile), and the first use waits for it.
#[pyclass(frozen, module = "genevars._core")]
struct NativeScan {
    running: Mutex<Option<JoinHandle<ScanResult>>>,
    result: OnceLock<Result<ScanResult, String>>,
}

impl NativeScan {
    /// The finished scan. Waited for without the GIL, also when another thread is already
    /// waiting (holding it there would deadlock with that thread's wait).
    fn finished(&self, py: Python<'_>) -> PyResult<&ScanResult> {
        let result = match self.result.get() {
            Some(result) => result,
            None => py.allow_threads(|| {
                self.result.get_or_init(|| {
                    let handle = self
                        .running
                        .lock()
                        .ok()
                        .and_then(|mut running| running.take());
                    handle
                        .ok_or(())
                        .and_then(|handle| handle.join().map_err(|_| ()))
                        .map_err(|()| "the scan failed".to_string())
                })
            }),
        };
        result
            .as_ref()
            .map_err(|e| masked_err::<SnapshotError>(e.clone()))
    }
}

/// Above this many packages a finished scan is freed on a thread of its own.
const DROP_ASIDE_ABOVE: usize = 1000;

impl Drop for NativeScan {
    /// Freeing 5,000 packages is a few milliseconds of single frees, which the command
    /// that wrote them need not wait for.
    fn drop(&mut self) {
        if let Some(Ok(result)) = self.result.take() {
            if result.packages.len() > DROP_ASIDE_ABOVE {
                crate::parallel::drop_aside(result);
            }
        }
    }
}

#[pymethods]
impl NativeScan {
    /// How many packages the scan found (the copies `import` loads).
    #[getter]
    fn package_count(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.finished(py)?.packages.len())
    }

    /// How many entries it could not read.
    #[getter]
    fn unreadable_count(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.finished(py)?.unreadable.len())
    }

    /// The whole snapshot as JSON text: `parts` (JSON text of an object holding every
    /// other field, in the order to write them) with this scan's `packages` and
    /// `unreadable` written where `parts` has those keys, or at its end. With an `indent`,
    /// the text is what `json.dumps(snapshot, indent=indent, ensure_ascii=False)` gives;
    /// without, one line with no spaces. Raises `SnapshotError` when `parts` is not a
    /// JSON object.
    #[pyo3(signature = (parts, indent = None))]
    fn snapshot_json(
        &self,
        py: Python<'_>,
        parts: &str,
        indent: Option<usize>,
    ) -> PyResult<String> {
        guarded::<SnapshotError, _>("writing the snapshot", || {
            let result = self.finished(py)?;
            py.allow_threads(|| write::snapshot_json(parts, result, indent))
                .map_err(PyErr::from)
        })
    }

    /// Writes `snapshot_json(parts, indent)` and then `end` to the open file descriptor
    /// `fd` as UTF-8, without making the text a Python string (at 5,000 packages, making
    /// it and encoding it again cost milliseconds). `fd` is left open. Raises OSError
    /// (with its errno and strerror) when the write fails.
    #[pyo3(signature = (parts, fd, indent = None, end = ""))]
    fn write_snapshot(
        &self,
        py: Python<'_>,
        parts: &str,
        fd: i32,
        indent: Option<usize>,
        end: &str,
    ) -> PyResult<()> {
        guarded::<SnapshotError, _>("writing the snapshot", || {
            let result = self.finished(py)?;
            py.allow_threads(|| write_snapshot_to_fd(fd, parts, result, indent, end))
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let result = self.finished(py)?;
        Ok(format!(
            "<NativeScan {} packages, {} unreadable>",
            result.packages.len(),
            result.unreadable.len()
        ))
    }
}

/// The snapshot text and then `end`, written to the file descriptor `fd` (which stays
/// open) as it is made, in 64 KiB writes. A failed write is an OSError.
#[cfg(unix)]
fn write_snapshot_to_fd(
    fd: i32,
    parts: &str,
    scan: &ScanResult,
    indent: Option<usize>,
    end: &str,
) -> PyResult<()> {
    use std::io::Write;
    use std::os::fd::FromRawFd;
    // SAFETY: the caller's descriptor, borrowed for this call: ManuallyDrop keeps the
    // File from closing it.
    let file = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(fd) });
    let mut out = std::io::BufWriter::with_capacity(1 << 16, &*file);
    match write::write_snapshot_json(parts, scan, indent, &mut out) {
        Err(write::WriteError::Serialize(e)) if e.is_io() => return Err(os_error(&e.into())),
        written => written.map_err(PyErr::from)?,
    }
    out.write_all(end.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| os_error(&e))
}

#[cfg(not(unix))]
fn write_snapshot_to_fd(
    _fd: i32,
    _parts: &str,
    _scan: &ScanResult,
    _indent: Option<usize>,
    _end: &str,
) -> PyResult<()> {
    Err(os_error(&std::io::Error::from(
        std::io::ErrorKind::Unsupported,
    )))
}

/// `OSError(errno, strerror)`, which Python turns into its subclass for the errno
/// (`BrokenPipeError`, ...), as a failed `write` from Python raises it.
fn os_error(e: &std::io::Error) -> PyErr {
    let strerror = crate::input::strerror(e);
    match e.raw_os_error() {
        Some(errno) => pyo3::exceptions::PyOSError::new_err((errno, strerror)),
        None => pyo3::exceptions::PyOSError::new_err(strerror),
    }
}

/// Starts scanning path entries in order, as `scan_paths` does, on a thread of its own;
/// the result stays native.
#[pyfunction]
fn scan_native(paths: Vec<PathBuf>) -> PyResult<NativeScan> {
    let handle = std::thread::Builder::new()
        .name("genevars-scan".into())
        .spawn(move || scan::scan_paths(&paths))
        .map_err(|e| masked_err::<SnapshotError>(format!("cannot start the scan: {e}")))?;
    Ok(NativeScan {
        running: Mutex::new(Some(handle)),
        result: OnceLock::new(),
    })
}

/// Scans `paths` and returns the snapshot JSON text: `scan_native(paths).snapshot_json(parts, indent)`.
#[pyfunction]
#[pyo3(signature = (parts, paths, indent = None))]
fn snapshot_json(
    py: Python<'_>,
    parts: &str,
    paths: Vec<PathBuf>,
    indent: Option<usize>,
) -> PyResult<String> {
    scan_native(paths)?.snapshot_json(py, parts, indent)
}

/// `{normalized name: version}` of the distributions `import` would load from `paths`
/// (the first of each name), reading one metadata file per distribution and that only as
/// far as its Version. Distributions whose metadata cannot be read are left out.
#[pyfunction]
fn installed_versions(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Bound<'_, PyDict>> {
    guarded::<SnapshotError, _>("reading the installed versions", || {
        let result = py.allow_threads(|| scan::scan_paths_for(&paths, Fields::NameAndVersion));
        let versions = PyDict::new(py);
        for package in result.packages {
            versions.set_item(package.name, package.version)?;
        }
        Ok(versions)
    })
}

/// What a tree scanned without its interpreter says about its Python and platform, in
/// the order met: `("python" | "pypy", major, minor)` from a path of `absolute` (the
/// entries as `os.path.abspath` gives them), then from the top level of each of `paths`
/// `("tag", major, minor)` and `("platform", system, machine)` of compiled modules and
/// WHEEL files, until the evidence is plain. Never raises for what it finds on disk.
#[pyfunction]
fn tree_evidence<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    absolute: Vec<PathBuf>,
) -> PyResult<Bound<'py, PyList>> {
    guarded::<SnapshotError, _>("reading the tree's tags", || {
        let found = py.allow_threads(|| tree::tree_evidence(&paths, &absolute));
        let out = PyList::empty(py);
        for evidence in found {
            let item = match evidence {
                Evidence::Path { major, minor, pypy } => {
                    let kind = if pypy { "pypy" } else { "python" };
                    (kind, major, minor).into_pyobject(py)?
                }
                Evidence::Tag { major, minor } => ("tag", major, minor).into_pyobject(py)?,
                Evidence::Platform { system, machine } => {
                    ("platform", system, machine).into_pyobject(py)?
                }
            };
            out.append(item)?;
        }
        Ok(out)
    })
}

/// `(system, machine)` of a wheel platform tag (`manylinux_2_17_x86_64`: `("Linux",
/// "x86_64")`), or None for `any` and tags naming no single platform.
#[pyfunction]
fn wheel_platform(tag: &str) -> Option<(String, String)> {
    tree::wheel_platform(tag)
}

/// Validates snapshot JSON and returns it normalized (defaults filled in): one line with
/// no spaces, or `indent` spaces per level.
///
/// Raises `SnapshotError` with one line naming `source` and the problem.
#[pyfunction]
#[pyo3(signature = (text, source = "<string>", indent = None))]
fn validate_snapshot(
    py: Python<'_>,
    text: &str,
    source: &str,
    indent: Option<usize>,
) -> PyResult<String> {
    guarded::<SnapshotError, _>(source, || {
        py.allow_threads(|| {
            let parsed = snapshot::from_json_str(source, text)?;
            Ok(snapshot::to_json_text(&parsed, indent))
        })
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_paths, m)?)?;
    m.add_function(wrap_pyfunction!(installed_versions, m)?)?;
    m.add_function(wrap_pyfunction!(validate_snapshot, m)?)?;
    m.add_class::<NativeScan>()?;
    m.add_function(wrap_pyfunction!(scan_native, m)?)?;
    m.add_function(wrap_pyfunction!(snapshot_json, m)?)?;
    m.add_function(wrap_pyfunction!(tree_evidence, m)?)?;
    m.add_function(wrap_pyfunction!(wheel_platform, m)?)?;
    m.add("SCAN_PROTOCOL", SCAN_PROTOCOL)?;
    Ok(())
}
