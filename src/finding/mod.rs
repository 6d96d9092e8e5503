//! Findings: one difference, judged. The bottom of the core: this module imports no
//! other part of it, so every layer above (knowledge, snapshot, compare, deps, report,
//! manifest) can speak of findings.

mod code;

use serde::{Deserialize, Serialize};

pub use code::{Code, FixAction, Section, SeverityKey, Table};

/// How much a difference matters. Ordered: `Expected < Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Injected by Ray itself; hidden by default, counted, shown with `--show-all`.
    Expected,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Expected => "expected",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "expected" => Some(Severity::Expected),
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Python,
    Platform,
    Package,
    Env,
    SysPath,
    Unreadable,
    /// A node that did not answer its probe.
    Unreachable,
    /// A node where Ray could not set up the runtime_env the probe was given.
    RuntimeEnv,
    /// A Requires-Dist the installed versions do not satisfy.
    Requirement,
    /// A known incompatibility from the rules file.
    Rule,
    /// genevars itself (for example: installed only locally).
    Genevars,
    /// GPUs, the NVIDIA driver and the CUDA builds of packages.
    Accelerator,
    /// Credential files (and files variables name) present on one side only.
    CredentialFile,
}

impl Category {
    /// Findings about a selected node that could not be compared at all.
    pub fn is_node_failure(self) -> bool {
        matches!(self, Category::Unreachable | Category::RuntimeEnv)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Python => "python",
            Category::Platform => "platform",
            Category::Package => "package",
            Category::Env => "env",
            Category::SysPath => "sys_path",
            Category::Unreadable => "unreadable",
            Category::Unreachable => "unreachable",
            Category::RuntimeEnv => "runtime_env",
            Category::Requirement => "requirement",
            Category::Rule => "rule",
            Category::Genevars => "genevars",
            Category::Accelerator => "accelerator",
            Category::CredentialFile => "credential_file",
        }
    }
}

/// Another copy of a package of the same name: later on sys.path (shadowed, `import`
/// never loads it) or in the same directory. Snapshots hold them; `shadowed` findings
/// name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowedCopy {
    pub version: String,
    pub location: String,
    pub metadata_path: String,
}

/// Where a finding applies (derived from its code, group and nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// No node named: a two-snapshot comparison, or the local side alone.
    Driver,
    /// Local against one node group.
    Group(usize),
    /// Local against every node: a difference all groups share, or per-node identity.
    AllGroups,
    /// A node group against the first group.
    Drift(usize),
    /// A selected node that could not be compared.
    Node,
}

/// One difference between two environments (or one problem in one), with what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FindingDoc")]
pub struct Finding {
    pub severity: Severity,
    pub category: Category,
    /// Normalized package name, variable name, path, or `python` / `platform` field.
    pub subject: String,
    /// What kind of difference, e.g. `version.major`, `only_local`, `value_differs` in JSON.
    pub code: Code,
    /// The local side's value, as safe to show (secrets masked).
    pub local: Option<String>,
    /// The remote side's value, as safe to show (secrets masked).
    pub remote: Option<String>,
    /// One line saying what differs.
    pub message: String,
    /// The symptom it causes and the fix, where known.
    pub hint: Option<String>,
    /// The node ids this finding applies to (empty for a plain two-snapshot diff).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
    /// The node group (index into `groups`) this finding was found on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<usize>,
    /// For a `shadowed` finding: the copies `import` never loads (the versions compared
    /// stay in `local` / `remote`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shadowed: Vec<ShadowedCopy>,
    /// A drift finding that repeats, on the same group and subject, what local vs that
    /// group already says: kept in the findings and the drift section, counted once.
    #[serde(default, skip_serializing_if = "is_false")]
    pub repeat: bool,
    /// A problem of the driver's environment alone (requirements, rules): a comparison
    /// keeps it at most a warning, since it does not explain what differs on the workers.
    #[serde(skip)]
    pub driver_alone: bool,
}

/// A finding as JSON: the code's text, which with the category names the [`Code`].
#[derive(Deserialize)]
struct FindingDoc {
    severity: Severity,
    category: Category,
    subject: String,
    code: String,
    local: Option<String>,
    remote: Option<String>,
    message: String,
    hint: Option<String>,
    #[serde(default)]
    nodes: Vec<String>,
    #[serde(default)]
    group: Option<usize>,
    #[serde(default)]
    shadowed: Vec<ShadowedCopy>,
    #[serde(default)]
    repeat: bool,
}

impl TryFrom<FindingDoc> for Finding {
    type Error = String;

    fn try_from(d: FindingDoc) -> Result<Finding, String> {
        let code = Code::parse(&d.code, d.category).ok_or_else(|| {
            format!(
                "unknown finding code {:?} for category {}",
                d.code,
                d.category.as_str()
            )
        })?;
        Ok(Finding {
            severity: d.severity,
            category: d.category,
            subject: d.subject,
            code,
            local: d.local,
            remote: d.remote,
            message: d.message,
            hint: d.hint,
            nodes: d.nodes,
            group: d.group,
            shadowed: d.shadowed,
            repeat: d.repeat,
            driver_alone: false,
        })
    }
}

impl Finding {
    /// A finding of `code` (which says its category).
    pub fn new(
        severity: Severity,
        code: Code,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            category: code.category(),
            subject: subject.into(),
            code,
            local: None,
            remote: None,
            message: message.into(),
            hint: None,
            nodes: Vec::new(),
            group: None,
            shadowed: Vec::new(),
            repeat: false,
            driver_alone: false,
        }
    }

    pub fn values(mut self, local: Option<String>, remote: Option<String>) -> Self {
        self.local = local;
        self.remote = remote;
        self
    }

    pub fn hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl Finding {
    /// Whether this is a drift finding (`drift.*`: node groups disagree).
    pub fn is_drift(&self) -> bool {
        self.code.is_drift()
    }

    /// Where it applies.
    pub fn scope(&self) -> Scope {
        match self.group {
            _ if self.category.is_node_failure() => Scope::Node,
            Some(g) if self.is_drift() => Scope::Drift(g),
            Some(g) => Scope::Group(g),
            None if self.nodes.is_empty() => Scope::Driver,
            None => Scope::AllGroups,
        }
    }
}

/// Marks the drift findings that repeat what local vs the same group already says about
/// the same subject (numpy 2.2.6 on group 1 differs from local's 1.26.4 *and* from group
/// 0's): one problem, counted once.
pub fn mark_repeats(findings: &mut [Finding]) {
    let said: std::collections::HashSet<(Option<usize>, String)> = findings
        .iter()
        .filter(|f| !f.is_drift())
        .map(|f| (f.group, f.subject.clone()))
        .collect();
    for f in findings.iter_mut().filter(|f| f.is_drift()) {
        f.repeat = said.contains(&(f.group, f.subject.clone()));
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Counts by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub info: usize,
    pub expected: usize,
}

impl Summary {
    /// Counts of `findings`, each problem once (a [`Finding::repeat`] is not counted).
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Summary {
        let mut s = Summary::default();
        for f in findings.into_iter().filter(|f| !f.repeat) {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.info += 1,
                Severity::Expected => s.expected += 1,
            }
        }
        s
    }
}
