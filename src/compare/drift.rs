//! Drift: node groups that disagree with each other, the first (largest) group against
//! each other group.

use super::comparison::CompareOptions;
use super::pair::{diff_pair, PairParts};
use super::per_node::PerNode;
use super::sides::Sides;
use crate::finding::Severity;
use crate::knowledge::{HintVars, Knowledge};
use crate::snapshot::Snapshot;

/// Differences between the first (largest) group and another: the cluster disagrees with
/// itself. Codes `drift.*`; `local` holds group 0's value, `remote` this group's.
pub(super) fn drift(
    k: &Knowledge,
    first: &Snapshot,
    other: &Snapshot,
    opts: &CompareOptions,
    sides: Sides<'_>,
    per_node: &PerNode,
    parts: &mut PairParts,
) {
    let mut between = diff_pair(first, other, opts, sides);
    per_node.strip(&mut between);
    for mut f in between
        .findings
        .into_iter()
        .filter(|f| f.severity > Severity::Expected)
    {
        f.code = f.code.drift();
        f.message = format!("node groups disagree: {}", f.message);
        let vars = HintVars {
            name: &f.subject,
            local: f.local.as_deref().unwrap_or(""),
            remote: f.remote.as_deref().unwrap_or(""),
        };
        f.hint = k.hint("drift", vars);
        parts.findings.push(f);
    }
}
