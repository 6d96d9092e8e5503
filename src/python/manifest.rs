//! Bindings for manifests: a frozen native object over the validated core manifest.
//! The public Python API (`ManifestBuilder`, `Manifest`) lives in `genevars._manifest`.

use std::collections::BTreeMap;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::errors::ManifestError;
use super::guard::guarded;
use crate::manifest;

/// A validated, immutable manifest.
#[pyclass(frozen, module = "genevars._core", name = "NativeManifest")]
pub struct NativeManifest {
    inner: manifest::Manifest,
}

#[pymethods]
impl NativeManifest {
    /// Validates builder JSON (reading the files it names). Returns the manifest and its
    /// unpinned requirements.
    #[staticmethod]
    fn build(spec_json: &str) -> PyResult<(NativeManifest, Vec<String>)> {
        guarded::<ManifestError, _>("building the manifest", || {
            let (inner, unpinned) = manifest::build_from_json(spec_json).map_err(PyErr::from)?;
            Ok((NativeManifest { inner }, unpinned))
        })
    }

    /// Loads manifest JSON (as written by `to_json`).
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<NativeManifest> {
        guarded::<ManifestError, _>("loading the manifest JSON", || {
            manifest::Manifest::from_json(json)
                .map(|inner| NativeManifest { inner })
                .map_err(PyErr::from)
        })
    }

    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    #[getter]
    fn checksum(&self) -> PyResult<String> {
        guarded::<ManifestError, _>(&self.what(), || Ok(self.inner.checksum()))
    }

    /// The env_from_local names, for the caller to look up in os.environ.
    #[getter]
    fn env_from_local(&self) -> Vec<String> {
        self.inner.spec().env_from_local.clone()
    }

    #[pyo3(signature = (reveal_values = false))]
    fn to_json(&self, reveal_values: bool) -> PyResult<String> {
        guarded::<ManifestError, _>(&self.what(), || Ok(self.inner.to_json(reveal_values)))
    }

    fn canonical_json(&self) -> PyResult<String> {
        guarded::<ManifestError, _>(&self.what(), || Ok(self.inner.canonical_json()))
    }

    /// The runtime_env as JSON; `local` maps env_from_local names to their local values.
    fn runtime_env_json(&self, local: BTreeMap<String, String>) -> PyResult<String> {
        guarded::<ManifestError, _>(&self.what(), || {
            self.inner
                .runtime_env(&local)
                .map(|v| v.to_string())
                .map_err(PyErr::from)
        })
    }

    #[pyo3(signature = (reveal_values = false))]
    fn to_python(&self, reveal_values: bool) -> PyResult<String> {
        guarded::<ManifestError, _>(&self.what(), || Ok(self.inner.to_python(reveal_values)))
    }

    #[pyo3(signature = (reveal_values = false))]
    fn to_requirements_txt(&self, reveal_values: bool) -> PyResult<String> {
        guarded::<ManifestError, _>(&self.what(), || {
            Ok(self.inner.to_requirements_txt(reveal_values))
        })
    }
}

impl NativeManifest {
    /// Names the manifest in the message of a panic inside one of its methods.
    fn what(&self) -> String {
        format!("manifest {:?}", self.inner.name())
    }
}

/// The data a fix applies (`src/manifest/fix_rules.toml`): packages it never pins,
/// local-session variables it never passes, system installers and vendor indexes.
#[pyfunction]
fn manifest_fix_rules(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let rules = manifest::fix_rules();
    let dict = PyDict::new(py);
    dict.set_item("never_pin", &rules.never_pin)?;
    dict.set_item("session_env", &rules.session_env)?;
    dict.set_item("ship_env", &rules.ship_env)?;
    dict.set_item("ray_dependencies", &rules.ray_dependencies)?;
    dict.set_item("system_installers", &rules.system_installers)?;
    dict.set_item("system_locations", &rules.system_locations)?;
    let indexes = pyo3::types::PyList::empty(py);
    for index in &rules.vendor_indexes {
        let item = PyDict::new(py);
        item.set_item("packages", &index.packages)?;
        item.set_item("labels", &index.labels)?;
        item.set_item("url", &index.url)?;
        indexes.append(item)?;
    }
    dict.set_item("vendor_indexes", indexes)?;
    Ok(dict)
}

/// `name==version` when that is a valid exact pin (PEP 440 version), else None.
#[pyfunction]
fn exact_pin(name: &str, version: &str) -> PyResult<Option<String>> {
    guarded::<ManifestError, _>(&format!("pinning {name} {version}"), || {
        Ok(manifest::exact_pin(name, version))
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeManifest>()?;
    m.add_function(wrap_pyfunction!(manifest_fix_rules, m)?)?;
    m.add_function(wrap_pyfunction!(exact_pin, m)?)?;
    m.add("MANIFEST_SCHEMA", manifest::MANIFEST_SCHEMA)?;
    Ok(())
}
