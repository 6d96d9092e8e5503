//! Selected nodes that could not be compared: their findings, and why each failed in one
//! line.

use serde::{Deserialize, Serialize};

use super::comparison::{NodeFailure, NotCompared};
use crate::finding::{Code, Finding};
use crate::knowledge::{HintVars, Knowledge};
use crate::redact;

/// A selected node that could not be compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreachableNode {
    pub node_id: String,
    #[serde(default)]
    pub node_address: Option<String>,
    pub error: String,
    #[serde(default)]
    pub reason: NodeFailure,
}

pub(super) fn not_compared(node: &UnreachableNode) -> NotCompared {
    NotCompared {
        node_id: node.node_id.clone(),
        node_address: node.node_address.clone(),
        reason: node.reason,
        error: node.why(&node.masked_error()),
    }
}

impl UnreachableNode {
    /// Its error with URL credentials masked.
    pub(super) fn masked_error(&self) -> String {
        redact::mask_credentials(&self.error).unwrap_or_else(|| self.error.clone())
    }

    /// Why it was not compared, in one line: Ray's first line, or for a runtime_env the
    /// cause pip, uv or conda gave (see [`runtime_env_cause`]).
    fn why(&self, masked_error: &str) -> String {
        match self.reason {
            NodeFailure::RuntimeEnv => runtime_env_cause(masked_error),
            NodeFailure::Unreachable => masked_error
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("no error given")
                .chars()
                .take(300)
                .collect(),
        }
    }
}

pub(super) fn unreachable_finding(k: &Knowledge, node: &UnreachableNode) -> Finding {
    let error = node.masked_error();
    let address = node
        .node_address
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    let vars = HintVars {
        name: &node.node_id,
        ..Default::default()
    };
    let why = node.why(&error);
    let (code, message) = match node.reason {
        NodeFailure::Unreachable => (
            Code::Unreachable,
            format!(
                "node {}{address} did not answer the probe: {why}",
                node.node_id
            ),
        ),
        NodeFailure::RuntimeEnv => (
            Code::RuntimeEnv,
            format!(
                "node {}{address} could not set up the runtime_env: {why}",
                node.node_id
            ),
        ),
    };
    let hint = k.hint_for(&code, vars);
    let mut f = Finding::new(
        k.severity_of(&code, &node.node_id),
        code,
        node.node_id.clone(),
        message,
    )
    .hint(hint)
    .values(None, Some(error));
    f.nodes = vec![node.node_id.clone()];
    f
}

/// The lines of Ray's `RuntimeEnvSetupError` text that say what went wrong: the errors
/// pip, uv or conda printed (`ERROR: ...`, `error: ...`, `cause: ...`), else the last
/// exception line of its traceback, else its first line. At most 600 characters.
pub fn runtime_env_cause(error: &str) -> String {
    const MAX_CHARS: usize = 600;
    let lines: Vec<&str> = error
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tool: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| {
            [
                "ERROR:",
                "error:",
                "cause:",
                "CondaError",
                "PackagesNotFoundError",
                "EnvironmentNameNotFound",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .collect();
    let is_exception_line = |l: &&str| {
        let head = l.split(':').next().unwrap_or("");
        l.contains(": ")
            && !head.contains(' ')
            && (head.ends_with("Error") || head.ends_with("Exception"))
    };
    let chosen: Vec<&str> = if !tool.is_empty() {
        tool
    } else if let Some(last) = lines.iter().rev().find(|l| is_exception_line(l)) {
        vec![*last]
    } else {
        lines.first().copied().into_iter().collect()
    };
    let mut cause = String::new();
    for line in chosen {
        // Ray prefixes the node ("[Node 10.0.0.5] Traceback...").
        let line = match line.strip_prefix("[Node ") {
            Some(rest) => rest.split_once("] ").map_or(line, |(_, l)| l),
            None => line,
        };
        if cause.contains(line) {
            continue;
        }
        if !cause.is_empty() {
            cause.push_str(" / ");
        }
        cause.push_str(line);
    }
    if cause.is_empty() {
        cause.push_str("Ray gave no cause");
    }
    if cause.chars().count() > MAX_CHARS {
        cause = cause.chars().take(MAX_CHARS - 3).collect::<String>() + "...";
    }
    cause
}
