//! Bindings for comparisons: snapshots cross the boundary as JSON text, the result is a
//! frozen native object that renders itself (JSON, text, HTML).

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyDict, PyDictMethods};

use super::errors::{masked_err, ComparisonError};
use crate::compare::{self as cmp, CompareOptions, Comparison, NodeFailure, UnreachableNode};
use super::guard::guarded;
use crate::parallel;
use crate::redact;
use crate::report::{self, Snapshots, TextOptions};
use crate::snapshot::{self, Snapshot};

/// A finished comparison (wrapped by `genevars.ComparisonResult`).
#[pyclass(frozen, name = "Comparison", module = "genevars._core")]
pub struct PyComparison {
    comparison: Comparison,
    /// Shared with the parsed snapshots kept by their text (`snapshot::kept`); taken only
    /// when dropped.
    sides: Option<Sides>,
}

/// The snapshots a comparison was made from: local, and the representative remote.
struct Sides {
    local: Arc<Snapshot>,
    remote: Option<Arc<Snapshot>>,
}

impl Drop for PyComparison {
    /// Snapshots nothing else holds are freed on a thread of their own: freeing a
    /// 5,000-package snapshot takes milliseconds, here with the GIL held.
    fn drop(&mut self) {
        if let Some(sides) = self.sides.take() {
            let alone = |s: &Arc<Snapshot>| Arc::strong_count(s) == 1;
            if alone(&sides.local) || sides.remote.as_ref().is_some_and(alone) {
                parallel::drop_aside(sides);
            }
        }
    }
}

impl PyComparison {
    fn new(comparison: Comparison, local: Arc<Snapshot>, remote: Option<Arc<Snapshot>>) -> Self {
        PyComparison {
            comparison,
            sides: Some(Sides { local, remote }),
        }
    }

    fn sides(&self) -> &Sides {
        self.sides.as_ref().expect("the sides are taken only when dropped")
    }

    /// The comparison and the snapshots it was made from (local, the representative remote).
    pub(super) fn parts(&self) -> (&Comparison, &Snapshot, Option<&Snapshot>) {
        let sides = self.sides();
        (&self.comparison, &sides.local, sides.remote.as_deref())
    }

    fn snapshots(&self) -> Snapshots<'_> {
        let sides = self.sides();
        Snapshots {
            local: Some(&sides.local),
            remote: sides.remote.as_deref(),
        }
    }

    /// What a rendering may show: everything when the user asked to reveal values, else
    /// the text with any credential left in it masked (the last guard before output).
    fn shown(&self, text: String) -> String {
        if self.comparison.options.reveal_values {
            text
        } else {
            redact::masked(&text)
        }
    }
}

#[pymethods]
impl PyComparison {
    /// Comparison JSON (`genevars.comparison/1`), indented when `pretty`.
    #[pyo3(signature = (pretty = true))]
    fn to_json(&self, py: Python<'_>, pretty: bool) -> PyResult<String> {
        guarded::<ComparisonError, _>("the comparison's JSON", || {
            Ok(py.allow_threads(|| self.shown(report::to_json(&self.comparison, self.snapshots(), pretty))))
        })
    }

    /// The text report; `show_all` adds expected findings and both snapshots.
    #[pyo3(signature = (show_all = false, color = false))]
    fn report(&self, show_all: bool, color: bool) -> PyResult<String> {
        guarded::<ComparisonError, _>("the text report", || {
            Ok(self.shown(report::to_text(
                &self.comparison,
                self.snapshots(),
                TextOptions { show_all, color },
            )))
        })
    }

    /// An HTML table of the findings, errors first.
    #[pyo3(signature = (show_all = false))]
    fn html(&self, show_all: bool) -> PyResult<String> {
        guarded::<ComparisonError, _>("the HTML report", || {
            Ok(self.shown(report::to_html(&self.comparison, show_all)))
        })
    }

    /// The findings alone, as a JSON list.
    fn findings_json(&self) -> PyResult<String> {
        guarded::<ComparisonError, _>("the findings' JSON", || {
            Ok(self.shown(serde_json::to_string(&self.comparison.findings).expect("findings serialize")))
        })
    }

    /// Counts by severity: `errors`, `warnings`, `info`, `expected`.
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.comparison.summary;
        let d = PyDict::new(py);
        d.set_item("errors", s.errors)?;
        d.set_item("warnings", s.warnings)?;
        d.set_item("info", s.info)?;
        d.set_item("expected", s.expected)?;
        Ok(d)
    }

    /// The verdict: nothing at `error` level, and every selected node compared.
    #[getter]
    fn ok(&self) -> bool {
        self.comparison.ok()
    }

    /// A node comparison in which no node could be compared.
    #[getter]
    fn nothing_compared(&self) -> bool {
        self.comparison.nothing_compared()
    }

    /// The selected nodes left out, as JSON (`{"selected", "compared", "nodes"}`), or
    /// None when every one was compared.
    fn incomplete_json(&self) -> Option<String> {
        self.comparison
            .incomplete
            .as_ref()
            .map(|i| serde_json::to_string(i).expect("plain data serializes"))
    }

    /// `pair`, `nodes` or `many`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.comparison.kind {
            cmp::ComparisonKind::Pair => "pair",
            cmp::ComparisonKind::Nodes => "nodes",
            cmp::ComparisonKind::Many => "many",
        }
    }

    fn __repr__(&self) -> String {
        let s = &self.comparison.summary;
        format!(
            "<genevars._core.Comparison {}: {} errors, {} warnings, {} info, {} expected>",
            self.kind(),
            s.errors,
            s.warnings,
            s.info,
            s.expected
        )
    }
}

/// Parses one snapshot, with the loader's one-line error naming it.
fn parse(name: &str, text: &str) -> PyResult<Snapshot> {
    Ok(snapshot::from_json_str(name, text)?)
}

/// Parses two snapshots, or takes them as kept for the same texts (`snapshot::kept`);
/// large ones are parsed at the same time on two threads. The local one's error comes
/// first, as if parsed one after the other.
fn parse_pair(
    local: (&str, &str),
    remote: (&str, &str),
) -> PyResult<(Arc<Snapshot>, Arc<Snapshot>)> {
    // Below this much JSON, starting a thread costs more than it saves.
    const PARALLEL_FROM_BYTES: usize = 256 * 1024;
    let kept = |(name, text): (&str, &str)| snapshot::from_json_kept(name, text);
    let (local, remote) = parallel::join(
        local.1.len() + remote.1.len() >= PARALLEL_FROM_BYTES,
        || kept(local),
        || kept(remote),
    );
    Ok((local?, remote?))
}

/// Parses many snapshots; `name` names snapshot `i` in errors.
fn parse_all(texts: &[String], name: impl Fn(usize) -> String) -> PyResult<Vec<Snapshot>> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| parse(&name(i), text))
        .collect()
}

fn options(
    env_prefix: Option<String>,
    include_sys_path: bool,
    reveal_values: bool,
) -> CompareOptions {
    CompareOptions {
        env_prefix: env_prefix.filter(|p| !p.is_empty()),
        include_sys_path,
        reveal_values,
    }
}

/// Compares two snapshots given as JSON text. `local_name` / `remote_name` name them in
/// error messages (file names, for instance). `reveal_values` shows the plain values the
/// snapshots hold (taken with reveal_values) instead of withholding secrets.
#[pyfunction(name = "compare")]
#[pyo3(signature = (local_json, remote_json, env_prefix = None, include_sys_path = true, *, local_name = "local snapshot", remote_name = "remote snapshot", reveal_values = false))]
#[allow(clippy::too_many_arguments)]
fn compare_pair(
    py: Python<'_>,
    local_json: &str,
    remote_json: &str,
    env_prefix: Option<String>,
    include_sys_path: bool,
    local_name: &str,
    remote_name: &str,
    reveal_values: bool,
) -> PyResult<PyComparison> {
    let opts = options(env_prefix, include_sys_path, reveal_values);
    let what = format!("comparing {local_name} with {remote_name}");
    guarded::<ComparisonError, _>(&what, || {
        py.allow_threads(|| {
            let (local, remote) = parse_pair((local_name, local_json), (remote_name, remote_json))?;
            let comparison = cmp::compare_pair(&local, &remote, &opts);
            Ok(PyComparison::new(comparison, local, Some(remote)))
        })
    })
}

fn unreachable_node(i: usize, item: &Bound<'_, PyAny>) -> PyResult<UnreachableNode> {
    let bad = |what: &str| {
        masked_err::<ComparisonError>(format!("unreachable[{i}]: {what}; expected a dict with \"node_id\", \"node_address\" and \"error\""))
    };
    let dict = item.downcast::<PyDict>().map_err(|_| bad("not a dict"))?;
    let text = |key: &str| -> PyResult<Option<String>> {
        match dict.get_item(key)? {
            None => Ok(None),
            Some(v) if v.is_none() => Ok(None),
            Some(v) => Ok(Some(v.str()?.to_string())),
        }
    };
    let reason = match text("reason")? {
        None => NodeFailure::default(),
        Some(r) => NodeFailure::parse(&r)
            .ok_or_else(|| bad("\"reason\" is neither \"unreachable\" nor \"runtime_env\""))?,
    };
    Ok(UnreachableNode {
        node_id: text("node_id")?.ok_or_else(|| bad("no \"node_id\""))?,
        node_address: text("node_address")?,
        error: text("error")?.unwrap_or_else(|| "no error given".to_string()),
        reason,
    })
}

/// Compares local with every node snapshot (JSON text each, with `origin` naming the
/// node); `unreachable` lists nodes whose probe failed. With `package_lists` (the distinct
/// package lists, JSON text) and `node_lists`, node `i` is given as its snapshot without
/// `packages` and its list is `package_lists[node_lists[i]]`: one copy of each list.
#[pyfunction]
#[pyo3(signature = (local_json, nodes, unreachable = Vec::new(), env_prefix = None, include_sys_path = true, *, reveal_values = false, package_lists = None, node_lists = None))]
#[allow(clippy::too_many_arguments)]
fn compare_nodes(
    py: Python<'_>,
    local_json: &str,
    // Borrowed, not copied into Strings: they may be hundreds of megabytes.
    nodes: Vec<PyBackedStr>,
    unreachable: Vec<Bound<'_, PyAny>>,
    env_prefix: Option<String>,
    include_sys_path: bool,
    reveal_values: bool,
    package_lists: Option<Vec<PyBackedStr>>,
    node_lists: Option<Vec<usize>>,
) -> PyResult<PyComparison> {
    let opts = options(env_prefix, include_sys_path, reveal_values);
    let parts = match (package_lists, node_lists) {
        (None, None) => None,
        (Some(lists), Some(of)) => {
            if of.len() != nodes.len() {
                return Err(masked_err::<ComparisonError>(format!(
                    "node_lists has {} entries for {} nodes",
                    of.len(),
                    nodes.len()
                )));
            }
            if let Some(bad) = of.iter().find(|&&l| l >= lists.len()) {
                return Err(masked_err::<ComparisonError>(format!(
                    "node_lists names package list {bad}, and there are {}",
                    lists.len()
                )));
            }
            Some((lists, of))
        }
        _ => {
            return Err(masked_err::<ComparisonError>(
                "package_lists and node_lists go together: give both or neither",
            ))
        }
    };
    let unreachable = unreachable
        .iter()
        .enumerate()
        .map(|(i, item)| unreachable_node(i, item))
        .collect::<PyResult<Vec<_>>>()?;
    let what = format!(
        "comparing the local snapshot with {} node snapshots",
        nodes.len()
    );
    guarded::<ComparisonError, _>(&what, || {
        py.allow_threads(|| {
            let local = parse("local snapshot", local_json)?;
            let name = |i: usize| format!("node snapshot {i}");
            let compared = match &parts {
                None => cmp::compare_node_texts(&local, &nodes, name, &unreachable, &opts),
                Some((lists, of)) => {
                    cmp::compare_node_parts(&local, &nodes, lists, of, name, &unreachable, &opts)
                }
            }?;
            // The first (largest) group's snapshot stands for "remote" in reports.
            let remote = compared.representatives.into_iter().next();
            Ok(PyComparison::new(compared.comparison, local.into(), remote.map(Arc::new)))
        })
    })
}

/// Compares the first snapshot with each of the others (`genevars diff A B C`);
/// `labels` name them (default: `snapshot 0`, `snapshot 1`, ...).
#[pyfunction]
#[pyo3(signature = (snapshots, labels = None, env_prefix = None, include_sys_path = true, *, reveal_values = false))]
fn compare_many(
    py: Python<'_>,
    snapshots: Vec<String>,
    labels: Option<Vec<String>>,
    env_prefix: Option<String>,
    include_sys_path: bool,
    reveal_values: bool,
) -> PyResult<PyComparison> {
    let opts = options(env_prefix, include_sys_path, reveal_values);
    let labels = labels.unwrap_or_else(|| {
        (0..snapshots.len())
            .map(|i| format!("snapshot {i}"))
            .collect()
    });
    if labels.len() != snapshots.len() {
        return Err(cmp::CompareError::LabelCount {
            labels: labels.len(),
            snapshots: snapshots.len(),
        }
        .into());
    }
    let what = format!("comparing {}", labels.join(", "));
    guarded::<ComparisonError, _>(&what, || {
        py.allow_threads(|| {
            let parsed = parse_all(&snapshots, |i| labels[i].clone())?;
            let comparison = cmp::compare_many(&parsed, &labels, &opts)?;
            let mut parsed = parsed.into_iter();
            let local = parsed.next().expect("compare_many checked there are two");
            Ok(PyComparison::new(comparison, local.into(), parsed.next().map(Arc::new)))
        })
    })
}

/// The environment fingerprint of a snapshot: equal for nodes whose environments match.
#[pyfunction]
#[pyo3(signature = (snapshot_json, env_prefix = None, include_sys_path = true))]
fn environment_fingerprint(
    snapshot_json: &str,
    env_prefix: Option<String>,
    include_sys_path: bool,
) -> PyResult<String> {
    guarded::<ComparisonError, _>("the snapshot's environment fingerprint", || {
        let s = parse("snapshot", snapshot_json)?;
        Ok(cmp::environment_fingerprint(
            &s,
            &options(env_prefix, include_sys_path, false),
        ))
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyComparison>()?;
    m.add_function(wrap_pyfunction!(compare_pair, m)?)?;
    m.add_function(wrap_pyfunction!(compare_nodes, m)?)?;
    m.add_function(wrap_pyfunction!(compare_many, m)?)?;
    m.add_function(wrap_pyfunction!(environment_fingerprint, m)?)?;
    m.add("COMPARISON_SCHEMA", cmp::COMPARISON_SCHEMA)?;
    Ok(())
}
