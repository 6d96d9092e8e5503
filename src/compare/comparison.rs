//! The result of a comparison: findings plus the raw differences in the shapes geneva
//! users script against (`env_diffs`, `pkg_diffs`, `sys_path_diffs`), node groups for a
//! cluster, and a matrix for N-way diffs.

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Summary};
use crate::snapshot::Snapshot;

/// The schema tag of comparison JSON.
pub const COMPARISON_SCHEMA: &str = "genevars.comparison/1";

/// What to compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareOptions {
    /// Only variables whose name starts with this prefix are compared.
    pub env_prefix: Option<String>,
    pub include_sys_path: bool,
    /// Show the plain values of secret-looking variables and URL credentials in findings,
    /// `env_diffs` and reports. Only snapshots taken with `reveal_values` hold them; a
    /// withheld value stays withheld (and is still compared by fingerprint).
    #[serde(default)]
    pub reveal_values: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            env_prefix: None,
            include_sys_path: true,
            reveal_values: false,
        }
    }
}

impl CompareOptions {
    /// True when a variable passes the `env_prefix` filter.
    pub fn wants_env(&self, key: &str) -> bool {
        self.env_prefix
            .as_deref()
            .map_or(true, |p| key.starts_with(p))
    }
}

/// What was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComparisonKind {
    /// Two snapshots.
    Pair,
    /// Local against every node of a cluster, nodes grouped by environment.
    Nodes,
    /// The first snapshot against each of the others.
    Many,
}

/// `env_diffs`: keys only on one side, and keys whose values differ (values masked).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvDiffs {
    pub only_local: Vec<String>,
    pub only_remote: Vec<String>,
    pub diffs: Vec<EnvValueDiff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvValueDiff {
    pub key: String,
    pub local: String,
    pub remote: String,
}

/// `pkg_diffs`: normalized names only on one side, and `[name, local, remote]` triples.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PkgDiffs {
    pub only_local: Vec<String>,
    pub only_remote: Vec<String>,
    pub version_mismatch: Vec<(String, String, String)>,
}

/// `sys_path_diffs`: entries on one side only and the counts (of distinct entries).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysPathDiffs {
    pub only_local: Vec<String>,
    pub only_remote: Vec<String>,
    pub intersection_count: usize,
    pub local_count: usize,
    pub remote_count: usize,
}

/// Merging the diffs of several node groups into the top-level view geneva's users
/// script against: an entry is listed when any group has it, once.
impl EnvDiffs {
    pub fn union<'a>(all: impl IntoIterator<Item = &'a EnvDiffs>) -> EnvDiffs {
        let mut out = EnvDiffs::default();
        for d in all {
            out.only_local.extend(d.only_local.iter().cloned());
            out.only_remote.extend(d.only_remote.iter().cloned());
            out.diffs.extend(d.diffs.iter().cloned());
        }
        sort_dedup(&mut out.only_local);
        sort_dedup(&mut out.only_remote);
        out.diffs
            .sort_by(|a, b| (&a.key, &a.remote).cmp(&(&b.key, &b.remote)));
        out.diffs.dedup();
        out
    }
}

impl PkgDiffs {
    pub fn union<'a>(all: impl IntoIterator<Item = &'a PkgDiffs>) -> PkgDiffs {
        let mut out = PkgDiffs::default();
        for d in all {
            out.only_local.extend(d.only_local.iter().cloned());
            out.only_remote.extend(d.only_remote.iter().cloned());
            out.version_mismatch
                .extend(d.version_mismatch.iter().cloned());
        }
        sort_dedup(&mut out.only_local);
        sort_dedup(&mut out.only_remote);
        sort_dedup(&mut out.version_mismatch);
        out
    }
}

impl SysPathDiffs {
    /// Entries on one side only in any group; the counts are those of `first`, the
    /// largest group, since a union of counts has no meaning.
    pub fn union<'a>(
        first: &SysPathDiffs,
        all: impl IntoIterator<Item = &'a SysPathDiffs>,
    ) -> SysPathDiffs {
        let mut out = SysPathDiffs {
            only_local: Vec::new(),
            only_remote: Vec::new(),
            ..first.clone()
        };
        for d in all {
            out.only_local.extend(d.only_local.iter().cloned());
            out.only_remote.extend(d.only_remote.iter().cloned());
        }
        sort_dedup(&mut out.only_local);
        sort_dedup(&mut out.only_remote);
        out
    }
}

fn sort_dedup<T: Ord>(items: &mut Vec<T>) {
    items.sort_unstable();
    items.dedup();
}

/// What a report shows of one side without the whole snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideInfo {
    pub label: String,
    /// `sys.version`.
    pub python: String,
    pub implementation: String,
    pub executable: String,
    /// `Linux 5.15.0 (x86_64)`.
    pub os: String,
    pub genevars_version: Option<String>,
    /// `8×NVIDIA H100 80GB HBM3, driver 550.54.15`, when the side has GPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerators: Option<String>,
}

impl SideInfo {
    pub fn of(snapshot: &Snapshot, label: impl Into<String>) -> SideInfo {
        let p = &snapshot.platform;
        SideInfo {
            label: label.into(),
            python: snapshot.python.version.clone(),
            implementation: snapshot.python.implementation.clone(),
            executable: snapshot.python.executable.clone(),
            os: format!("{} {} ({})", p.system, p.release, p.machine),
            genevars_version: snapshot.genevars_version.clone(),
            accelerators: snapshot
                .accelerators
                .as_ref()
                .map(super::accelerators::gpu_summary),
        }
    }
}

/// A node as named in reports and JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRef {
    pub node_id: String,
    pub node_address: Option<String>,
    pub hostname: Option<String>,
}

impl NodeRef {
    pub fn of(snapshot: &Snapshot, fallback_id: impl Into<String>) -> NodeRef {
        let origin = snapshot.origin.clone().unwrap_or_default();
        NodeRef {
            node_id: origin
                .node_id
                .or_else(|| origin.hostname.clone())
                .unwrap_or_else(|| fallback_id.into()),
            node_address: origin.node_address,
            hostname: origin.hostname,
        }
    }
}

/// Environments found identical (same fingerprint), compared as one against local.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub index: usize,
    /// Hash of what makes the environment (not of where it was taken).
    pub fingerprint: String,
    /// For `genevars diff A B C`: the file or name of this environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub nodes: Vec<NodeRef>,
    /// Findings of local against this group.
    pub summary: Summary,
    pub remote: SideInfo,
    pub env_diffs: EnvDiffs,
    pub pkg_diffs: PkgDiffs,
    pub sys_path_diffs: SysPathDiffs,
}

/// Packages × environments: what differs across N environments, or (node comparisons)
/// what the node groups disagree on, beside local.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    pub columns: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRow {
    /// `python`, `platform` or `package`.
    pub category: String,
    pub subject: String,
    /// One per column; `None` where the package is missing.
    pub values: Vec<Option<String>>,
    /// The most severe finding about this subject in any environment.
    pub severity: super::Severity,
}

/// Why a selected node was not compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeFailure {
    /// It died, did not answer within the timeout, or its probe failed.
    #[default]
    Unreachable,
    /// Ray could not set up the runtime_env the probe was given there (its
    /// `RuntimeEnvSetupError`): no task with that runtime_env runs on the node.
    RuntimeEnv,
}

impl NodeFailure {
    pub fn parse(text: &str) -> Option<NodeFailure> {
        match text {
            "unreachable" => Some(NodeFailure::Unreachable),
            "runtime_env" => Some(NodeFailure::RuntimeEnv),
            _ => None,
        }
    }
}

/// A node comparison that left selected nodes out: how many, which, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incomplete {
    /// Nodes selected for the comparison.
    pub selected: usize,
    /// Nodes whose environment was compared.
    pub compared: usize,
    pub nodes: Vec<NotCompared>,
}

/// One selected node that was not compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotCompared {
    pub node_id: String,
    pub node_address: Option<String>,
    pub reason: NodeFailure,
    /// Why, in one line (URL credentials masked).
    pub error: String,
}

/// A finished comparison. Snapshots themselves are not kept here (they can be large);
/// the JSON renderer takes them alongside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub kind: ComparisonKind,
    pub options: CompareOptions,
    pub summary: Summary,
    /// Most severe first.
    pub findings: Vec<Finding>,
    pub local: SideInfo,
    /// The remote side (for nodes: the largest group; for many: the second environment).
    pub remote: Option<SideInfo>,
    pub env_diffs: EnvDiffs,
    pub pkg_diffs: PkgDiffs,
    pub sys_path_diffs: SysPathDiffs,
    pub groups: Vec<Group>,
    /// Number of nodes probed, reachable or not (node comparisons).
    pub node_count: usize,
    /// Selected nodes left out of a node comparison; `None` when every one was compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<Incomplete>,
    pub matrix: Option<Matrix>,
}

impl Comparison {
    /// The verdict, used by every output and the exit status: nothing at `error` level
    /// was found, and every selected node was compared.
    pub fn ok(&self) -> bool {
        self.summary.errors == 0 && self.incomplete.is_none() && !self.nothing_compared()
    }

    /// A node comparison in which no node could be compared: nothing was diagnosed.
    pub fn nothing_compared(&self) -> bool {
        self.kind == ComparisonKind::Nodes && self.groups.is_empty()
    }
}

/// Most severe first, then by category, subject and code, so output is stable.
pub(crate) fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.group.cmp(&b.group))
            .then(a.category.cmp(&b.category))
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.code.cmp(&b.code))
    });
}

/// Why snapshots could not be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompareError {
    #[error("need at least two snapshots to compare, got {0}")]
    TooFewSnapshots(usize),
    #[error("got {labels} labels for {snapshots} snapshots; give one label per snapshot")]
    LabelCount { labels: usize, snapshots: usize },
}
