//! Bindings for dependency analysis. Snapshots cross the boundary as JSON text; a check
//! comes back as a native object that renders itself, other results as JSON text.

use std::collections::BTreeSet;
use std::path::PathBuf;

use pyo3::prelude::*;

use super::errors::{GenevarsError, RuleError};
use super::guard::guarded;
use crate::deps::{self, RequirementOf};
use crate::finding::Finding;
use crate::report;
use crate::snapshot::load::from_json_str;
use crate::snapshot::model::Snapshot;

fn snapshot(source: &str, text: &str) -> PyResult<Snapshot> {
    Ok(from_json_str(source, text)?)
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("findings always serialize")
}

/// A set of dependency rules: the bundled file, user files, or both.
#[pyclass(frozen, name = "Rules", module = "genevars._core")]
pub struct PyRules {
    inner: deps::Rules,
}

#[pymethods]
impl PyRules {
    /// The rules shipped with genevars.
    #[staticmethod]
    fn bundled() -> PyRules {
        PyRules {
            inner: deps::Rules::bundled(),
        }
    }

    /// Parses rules TOML text; `source` names it in errors.
    #[staticmethod]
    #[pyo3(signature = (text, source = "<string>"))]
    fn parse(text: &str, source: &str) -> PyResult<PyRules> {
        guarded::<RuleError, _>(source, || {
            Ok(PyRules {
                inner: deps::Rules::parse(text, source)?,
            })
        })
    }

    /// Reads and parses a rules file.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<PyRules> {
        guarded::<RuleError, _>(&path.display().to_string(), || {
            Ok(PyRules {
                inner: deps::Rules::load(&path)?,
            })
        })
    }

    /// These rules followed by `other`'s; `other` replaces rules with the same id.
    fn extended(&self, other: &PyRules) -> PyResult<PyRules> {
        guarded::<RuleError, _>("extending rules", || {
            let mut inner = self.inner.clone();
            inner.extend(other.inner.clone());
            Ok(PyRules { inner })
        })
    }

    /// The rule ids, in order.
    fn ids(&self) -> Vec<String> {
        self.inner.rules.iter().map(|r| r.id.clone()).collect()
    }

    fn __len__(&self) -> usize {
        self.inner.rules.len()
    }

    fn __repr__(&self) -> String {
        format!("<genevars Rules: {} rules>", self.inner.rules.len())
    }
}

fn imported_set(imported: Option<Vec<String>>) -> Option<BTreeSet<String>> {
    imported.map(|names| names.into_iter().collect())
}

fn env_list(
    snapshot_json: &str,
    rules: &PyRules,
    imported: Option<Vec<String>>,
) -> PyResult<Vec<Finding>> {
    let snap = snapshot("snapshot", snapshot_json)?;
    let imported = imported_set(imported);
    Ok(deps::env_findings(&snap, &rules.inner, imported.as_ref())?)
}

fn pair_list(
    local_json: &str,
    remote_json: &str,
    rules: &PyRules,
    imported: Option<Vec<String>>,
) -> PyResult<Vec<Finding>> {
    let local = snapshot("local snapshot", local_json)?;
    let remote = snapshot("remote snapshot", remote_json)?;
    let imported = imported_set(imported);
    Ok(deps::pair_findings_for(
        &local,
        &remote,
        &rules.inner,
        imported.as_ref(),
    ))
}

fn manifest_list(
    remote_json: &str,
    pins: &[String],
    rules: &PyRules,
    local_json: Option<&str>,
) -> PyResult<Vec<Finding>> {
    let remote = snapshot("remote snapshot", remote_json)?;
    let local = local_json
        .map(|t| snapshot("local snapshot", t))
        .transpose()?;
    Ok(deps::overlay_findings(
        local.as_ref(),
        &remote,
        pins,
        &rules.inner,
    )?)
}

/// Requirement and rule findings of one environment, as a JSON list.
#[pyfunction]
#[pyo3(signature = (snapshot_json, rules, imported = None))]
fn env_findings(
    snapshot_json: &str,
    rules: &PyRules,
    imported: Option<Vec<String>>,
) -> PyResult<String> {
    guarded::<GenevarsError, _>("checking the snapshot's requirements", || {
        Ok(json(&env_list(snapshot_json, rules, imported)?))
    })
}

/// Requirement and rule findings between the driver and one group of workers, as JSON.
#[pyfunction]
#[pyo3(signature = (local_json, remote_json, rules, imported = None))]
fn pair_findings(
    local_json: &str,
    remote_json: &str,
    rules: &PyRules,
    imported: Option<Vec<String>>,
) -> PyResult<String> {
    guarded::<GenevarsError, _>("checking requirements between the snapshots", || {
        Ok(json(&pair_list(local_json, remote_json, rules, imported)?))
    })
}

/// What a manifest's pins break or fix on the workers, as a JSON list of findings.
#[pyfunction]
#[pyo3(signature = (remote_json, pins, rules, local_json = None))]
fn manifest_findings(
    remote_json: &str,
    pins: Vec<String>,
    rules: &PyRules,
    local_json: Option<&str>,
) -> PyResult<String> {
    guarded::<GenevarsError, _>("checking the manifest's pins", || {
        Ok(json(&manifest_list(remote_json, &pins, rules, local_json)?))
    })
}

/// The findings of a dependency check (wrapped by `genevars.DependencyCheck`), which
/// render themselves: the text report and `genevars.dependencies/1` JSON.
#[pyclass(frozen, name = "DependencyCheck", module = "genevars._core")]
pub struct PyDependencyCheck {
    findings: Vec<Finding>,
}

#[pymethods]
impl PyDependencyCheck {
    /// One line per finding, most severe first, with its hint.
    fn report(&self) -> PyResult<String> {
        guarded::<GenevarsError, _>("the dependency report", || {
            Ok(report::dependency_report(&self.findings))
        })
    }

    /// One line: `OK` or `PROBLEMS FOUND` (an error) with the counts by severity.
    fn headline(&self) -> String {
        report::dependency_headline(&self.findings)
    }

    /// `genevars.dependencies/1` JSON, indented by `indent` spaces (one line when None).
    #[pyo3(signature = (indent = Some(2)), text_signature = "(self, /, indent=2)")]
    fn to_json(&self, indent: Option<usize>) -> PyResult<String> {
        guarded::<GenevarsError, _>("the dependency check's JSON", || {
            Ok(report::dependency_json(&self.findings, indent))
        })
    }

    /// The findings alone, as a JSON list.
    fn findings_json(&self) -> String {
        crate::redact::masked(&json(&self.findings))
    }

    fn __len__(&self) -> usize {
        self.findings.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<genevars DependencyCheck: {} findings>",
            self.findings.len()
        )
    }
}

/// Requirement and rule findings of `local_json` (with `remote_json`: between the two),
/// plus what `pins` break on the remote side (else on the local one).
#[pyfunction]
#[pyo3(signature = (local_json, rules, imported = None, remote_json = None, pins = None))]
fn check_requirements(
    local_json: &str,
    rules: &PyRules,
    imported: Option<Vec<String>>,
    remote_json: Option<&str>,
    pins: Option<Vec<String>>,
) -> PyResult<PyDependencyCheck> {
    guarded::<GenevarsError, _>("checking requirements", || {
        let mut findings = match remote_json {
            None => env_list(local_json, rules, imported)?,
            Some(remote) => pair_list(local_json, remote, rules, imported)?,
        };
        if let Some(pins) = pins {
            findings.extend(match remote_json {
                None => manifest_list(local_json, &pins, rules, None)?,
                Some(remote) => manifest_list(remote, &pins, rules, Some(local_json))?,
            });
        }
        Ok(PyDependencyCheck { findings })
    })
}

/// What `pins` break or fix on the workers (`remote_json`), as a dependency check.
#[pyfunction]
#[pyo3(signature = (remote_json, pins, rules, local_json = None))]
fn check_manifest(
    remote_json: &str,
    pins: Vec<String>,
    rules: &PyRules,
    local_json: Option<&str>,
) -> PyResult<PyDependencyCheck> {
    guarded::<GenevarsError, _>("checking the manifest's pins", || {
        Ok(PyDependencyCheck {
            findings: manifest_list(remote_json, &pins, rules, local_json)?,
        })
    })
}

/// The raw requirement problems of one environment (pip check's view), as JSON.
#[pyfunction]
fn requirement_problems(snapshot_json: &str) -> PyResult<String> {
    guarded::<GenevarsError, _>("checking the snapshot's requirements", || {
        let snap = snapshot("snapshot", snapshot_json)?;
        let env = deps::Environment::from_snapshot(&snap)?;
        let problems: Vec<serde_json::Value> = env
            .check(&Default::default())
            .iter()
            .map(|p| {
                let mut value = serde_json::to_value(p).expect("problems serialize");
                value["message"] = p.to_string().into();
                value
            })
            .collect();
        Ok(json(&problems))
    })
}

/// The closure of `roots` (PEP 508 requirements) over `source`'s installed metadata, with
/// the markers of `target` (default: `source`), as JSON.
#[pyfunction]
#[pyo3(signature = (source_json, roots, target_json = None))]
fn requirement_closure(
    source_json: &str,
    roots: Vec<String>,
    target_json: Option<&str>,
) -> PyResult<String> {
    guarded::<GenevarsError, _>("the requirement closure", || {
        closure_json(source_json, &roots, target_json)
    })
}

fn closure_json(
    source_json: &str,
    roots: &[String],
    target_json: Option<&str>,
) -> PyResult<String> {
    let source = snapshot("source snapshot", source_json)?;
    let env = deps::Environment::from_snapshot(&source)?;
    let target_markers = match target_json {
        Some(text) => {
            deps::Environment::from_snapshot(&snapshot("target snapshot", text)?)?.markers
        }
        None => env.markers.clone(),
    };
    let roots = roots
        .iter()
        .map(|r| deps::parse_requirement(RequirementOf::Root, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json(&deps::closure(&env, &target_markers, &roots)))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRules>()?;
    m.add_class::<PyDependencyCheck>()?;
    m.add_function(wrap_pyfunction!(check_requirements, m)?)?;
    m.add_function(wrap_pyfunction!(check_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(env_findings, m)?)?;
    m.add_function(wrap_pyfunction!(pair_findings, m)?)?;
    m.add_function(wrap_pyfunction!(manifest_findings, m)?)?;
    m.add_function(wrap_pyfunction!(requirement_problems, m)?)?;
    m.add_function(wrap_pyfunction!(requirement_closure, m)?)?;
    Ok(())
}
