//! Findings: one difference, judged.

use serde::{Deserialize, Serialize};

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

/// One difference between two environments (or one problem in one), with what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub category: Category,
    /// Normalized package name, variable name, path, or `python` / `platform` field.
    pub subject: String,
    /// Machine-readable kind, e.g. `version.major`, `only_local`, `value_differs`.
    pub code: String,
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
    pub shadowed: Vec<crate::snapshot::ShadowedCopy>,
    /// A drift finding that repeats, on the same group and subject, what local vs that
    /// group already says: kept in the findings and the drift section, counted once.
    #[serde(default, skip_serializing_if = "is_false")]
    pub repeat: bool,
}

impl Finding {
    pub fn new(
        severity: Severity,
        category: Category,
        subject: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            category,
            subject: subject.into(),
            code: code.into(),
            local: None,
            remote: None,
            message: message.into(),
            hint: None,
            nodes: Vec::new(),
            group: None,
            shadowed: Vec::new(),
            repeat: false,
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
        self.code.starts_with("drift.")
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
