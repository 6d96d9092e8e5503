//! Bindings for manifests: a frozen native object over the validated core manifest.
//! The public Python API (`ManifestBuilder`, `Manifest`) lives in `genevars._manifest`.

use std::collections::BTreeMap;

use pyo3::prelude::*;

use super::compare::PyComparison;
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

/// What a fix puts in a manifest (`genevars._manifest.fix_manifest_builder` wraps it into
/// a `ManifestBuilder`).
#[pyclass(frozen, module = "genevars._core", name = "NativeFix")]
pub struct NativeFix {
    inner: manifest::fix::Fix,
}

#[pymethods]
impl NativeFix {
    /// `name==version` pins, sorted by name.
    #[getter]
    fn pins(&self) -> Vec<String> {
        self.inner.pins.clone()
    }

    /// Vendor indexes the pins need (`--extra-index-url`).
    #[getter]
    fn extra_index_urls(&self) -> Vec<String> {
        self.inner.extra_index_urls.clone()
    }

    /// Variables set only locally, to pass with `env_from_local`.
    #[getter]
    fn env_from_local(&self) -> Vec<String> {
        self.inner.env_from_local.clone()
    }

    /// What the manifest cannot do, and what to do instead.
    #[getter]
    fn advice(&self) -> Vec<String> {
        self.inner.advice.clone()
    }

    /// `"uv"` where every compared node group can install with uv, else `"pip"`.
    #[getter]
    fn installer(&self) -> &'static str {
        self.inner.installer.field()
    }

    fn __repr__(&self) -> String {
        format!(
            "<genevars._core.NativeFix: {} pins ({}), {} variables, {} advice>",
            self.inner.pins.len(),
            self.inner.installer.field(),
            self.inner.env_from_local.len(),
            self.inner.advice.len()
        )
    }
}

/// The fix for a native comparison. Advice shows URL credentials only when the comparison
/// was made with `reveal_values`.
#[pyfunction]
fn fix_from_comparison(comparison: PyRef<'_, PyComparison>) -> PyResult<NativeFix> {
    guarded::<ManifestError, _>("building the fix", || {
        let (c, local, _) = comparison.parts();
        let mut inner = manifest::fix::fix(&manifest::fix::FixSource::of(c, local));
        if !c.options.reveal_values {
            mask_advice(&mut inner);
        }
        Ok(NativeFix { inner })
    })
}

/// The fix for comparison JSON (a `ComparisonResult.to_dict()`, or geneva's keys only).
#[pyfunction]
fn fix_from_json(comparison_json: &str) -> PyResult<NativeFix> {
    guarded::<ManifestError, _>("building the fix", || {
        let mut inner = manifest::fix::fix_from_json(comparison_json)?;
        mask_advice(&mut inner);
        Ok(NativeFix { inner })
    })
}

fn mask_advice(fix: &mut manifest::fix::Fix) {
    for advice in &mut fix.advice {
        *advice = crate::redact::masked(advice);
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeManifest>()?;
    m.add_class::<NativeFix>()?;
    m.add_function(wrap_pyfunction!(fix_from_comparison, m)?)?;
    m.add_function(wrap_pyfunction!(fix_from_json, m)?)?;
    m.add("MANIFEST_SCHEMA", manifest::MANIFEST_SCHEMA)?;
    Ok(())
}
