//! Local against every node of a cluster: nodes with identical environments (equal
//! [fingerprints](super::fingerprint)) are grouped, local is compared with each group, a
//! difference every group shares is reported once, and groups that disagree are reported
//! as drift.

use std::collections::{HashMap, HashSet};

use super::comparison::{
    sort_findings, CompareOptions, Comparison, ComparisonKind, EnvDiffs, Group, Incomplete,
    NodeRef, PkgDiffs, SideInfo, SysPathDiffs,
};
use super::drift::drift;
use super::fingerprint::Fingerprinter;
use super::many::matrix;
use super::pair::{diff_pair, side_findings, unreadable_set};
use super::per_node::PerNode;
use super::sides::{Sides, LOCAL_REMOTE};
use super::unreachable::{not_compared, unreachable_finding, UnreachableNode};
use crate::finding::{mark_repeats, Category, Code, Finding, Summary};
use crate::knowledge::knowledge;
use crate::snapshot::Snapshot;

/// What identifies "the same difference" in two groups.
type FindingKey<'a> = (
    super::Severity,
    Category,
    &'a str,
    &'a Code,
    Option<&'a str>,
    Option<&'a str>,
);

fn key(f: &Finding) -> FindingKey<'_> {
    (
        f.severity,
        f.category,
        &f.subject,
        &f.code,
        f.local.as_deref(),
        f.remote.as_deref(),
    )
}

/// With several groups, a difference every group shares is reported once, for every node
/// (`group` none), rather than once per group; the rest stay with their group.
fn merge_common(per_group: Vec<Vec<Finding>>, refs: &[NodeRef]) -> Vec<Finding> {
    if per_group.len() < 2 {
        return per_group.into_iter().flatten().collect();
    }
    let mut counts: HashMap<FindingKey<'_>, usize> = HashMap::new();
    for group in &per_group {
        for f in group {
            *counts.entry(key(f)).or_default() += 1;
        }
    }
    let common: HashSet<FindingKey<'_>> = counts
        .into_iter()
        .filter(|(_, n)| *n == per_group.len())
        .map(|(k, _)| k)
        .collect();
    let all_ids: Vec<String> = refs.iter().map(|r| r.node_id.clone()).collect();
    let mut out = Vec::new();
    for (g, group) in per_group.iter().enumerate() {
        for f in group {
            if !common.contains(&key(f)) {
                out.push(f.clone());
            } else if g == 0 {
                let mut shared = f.clone();
                shared.group = None;
                shared.nodes = all_ids.clone();
                out.push(shared);
            }
        }
    }
    out
}

/// Compares `local` with every reachable node and reports unreachable ones.
///
/// Nodes are grouped by [`environment_fingerprint`]; the largest group comes first.
/// Findings of local against a group carry `group` and the group's node ids; a finding
/// every group shares is reported once with `group` none and every node id. Groups after
/// the first are also compared with the first (codes `drift.*`, on the later group), and
/// `matrix` shows what the groups disagree on (columns: local, group 0, group 1, ...).
pub fn compare_nodes(
    local: &Snapshot,
    nodes: &[Snapshot],
    unreachable: &[UnreachableNode],
    opts: &CompareOptions,
) -> Comparison {
    let mut fingerprinter = Fingerprinter::new(opts);
    let per_node = PerNode::learn(nodes.iter(), &mut fingerprinter, knowledge().per_node);
    fingerprinter.exclude(&per_node.vars, &per_node.paths);
    let fingerprints = nodes.iter().map(|n| fingerprinter.fingerprint(n)).collect();
    let members = group_by_fingerprint(fingerprints);
    let refs: Vec<NodeRef> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeRef::of(n, format!("node-{i}")))
        .collect();
    let representatives: Vec<&Snapshot> = members.iter().map(|(_, idxs)| &nodes[idxs[0]]).collect();
    compare_groups(
        local,
        &members,
        &representatives,
        &refs,
        unreachable,
        &per_node,
        opts,
    )
}

/// Node indexes by fingerprint, the largest group first.
pub(super) fn group_by_fingerprint(fingerprints: Vec<String>) -> Vec<(String, Vec<usize>)> {
    let mut by_fingerprint: HashMap<String, usize> = HashMap::new();
    let mut members: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, fp) in fingerprints.into_iter().enumerate() {
        match by_fingerprint.get(&fp) {
            Some(&g) => members[g].1.push(i),
            None => {
                by_fingerprint.insert(fp.clone(), members.len());
                members.push((fp, vec![i]));
            }
        }
    }
    // The largest group is the cluster's norm; ties keep probe order.
    members.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.1[0].cmp(&b.1[0])));
    members
}

/// [`compare_nodes`] once the nodes are grouped: `members` from [`group_by_fingerprint`],
/// `representatives[g]` the snapshot of group `g`'s first node, `refs[i]` node `i`.
pub(super) fn compare_groups(
    local: &Snapshot,
    members: &[(String, Vec<usize>)],
    representatives: &[&Snapshot],
    refs: &[NodeRef],
    unreachable: &[UnreachableNode],
    per_node: &PerNode,
    opts: &CompareOptions,
) -> Comparison {
    let k = knowledge();
    let mut findings = Vec::new();
    side_findings(
        local,
        true,
        LOCAL_REMOTE.local,
        &HashSet::new(),
        &mut findings,
    );
    let local_unreadable = unreadable_set(local);
    let group_words: Vec<String> = (0..members.len())
        .map(|g| format!("on group {g}"))
        .collect();
    let mut groups = Vec::with_capacity(members.len());
    let mut per_group: Vec<Vec<Finding>> = Vec::with_capacity(members.len());
    for (g, (fingerprint, idxs)) in members.iter().enumerate() {
        let rep = representatives[g];
        let ids: Vec<String> = idxs.iter().map(|&i| refs[i].node_id.clone()).collect();
        let mut parts = diff_pair(local, rep, opts, LOCAL_REMOTE);
        per_node.strip(&mut parts);
        side_findings(
            rep,
            false,
            LOCAL_REMOTE.remote,
            &local_unreadable,
            &mut parts.findings,
        );
        if g > 0 {
            let first = representatives[0];
            let sides = Sides {
                local: &group_words[0],
                remote: &group_words[g],
            };
            drift(k, first, rep, opts, sides, per_node, &mut parts);
        }
        for f in &mut parts.findings {
            f.group = Some(g);
            f.nodes = ids.clone();
        }
        mark_repeats(&mut parts.findings);
        groups.push(Group {
            index: g,
            fingerprint: fingerprint.clone(),
            label: None,
            nodes: idxs.iter().map(|&i| refs[i].clone()).collect(),
            summary: Summary::of(&parts.findings),
            remote: SideInfo::of(rep, format!("group {g}")),
            env_diffs: parts.env_diffs,
            pkg_diffs: parts.pkg_diffs,
            sys_path_diffs: parts.sys_path_diffs,
        });
        per_group.push(parts.findings);
    }
    findings.extend(merge_common(per_group, refs));
    findings.extend(per_node.findings(k, refs));
    for node in unreachable {
        findings.push(unreachable_finding(k, node));
    }
    sort_findings(&mut findings);
    // Drift: what the groups disagree on, side by side with local.
    let matrix = (members.len() > 1).then(|| {
        let mut columns: Vec<&Snapshot> = vec![local];
        columns.extend(representatives.iter().copied());
        let mut labels = vec!["local".to_string()];
        labels.extend((0..members.len()).map(|g| format!("group {g}")));
        matrix(&columns, &labels, &findings, 1)
    });
    let top = groups.first();
    let incomplete = (!unreachable.is_empty()).then(|| Incomplete {
        selected: refs.len() + unreachable.len(),
        compared: refs.len(),
        nodes: unreachable.iter().map(not_compared).collect(),
    });
    Comparison {
        kind: ComparisonKind::Nodes,
        options: opts.clone(),
        summary: Summary::of(&findings),
        findings,
        local: SideInfo::of(local, "local"),
        remote: top.map(|g| g.remote.clone()),
        // geneva's keys: what differs from local on any group (each group's own diffs
        // are in `groups`), so a script checking version_mismatch sees every drift.
        env_diffs: EnvDiffs::union(groups.iter().map(|g| &g.env_diffs)),
        pkg_diffs: PkgDiffs::union(groups.iter().map(|g| &g.pkg_diffs)),
        sys_path_diffs: top
            .map(|t| {
                SysPathDiffs::union(&t.sys_path_diffs, groups.iter().map(|g| &g.sys_path_diffs))
            })
            .unwrap_or_default(),
        groups,
        node_count: refs.len() + unreachable.len(),
        incomplete,
        matrix,
    }
}
