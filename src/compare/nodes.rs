//! Local against every node of a cluster: nodes with identical environments are grouped,
//! local is compared with each group, and groups that disagree are reported as drift.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::{Deserialize, Serialize};

use super::comparison::{
    sort_findings, CompareOptions, Comparison, ComparisonKind, EnvDiffs, Group, NodeRef, PkgDiffs,
    SideInfo, SysPathDiffs,
};
use super::finding::{Category, Finding, Severity, Summary};
use super::many::matrix;
use super::pair::{diff_pair, side_findings, unreadable_set, PairParts, Sides, LOCAL_REMOTE};
use crate::knowledge::{knowledge, EnvClass, HintVars, Knowledge, Table};
use crate::redact;
use crate::snapshot::{EnvValue, Package, Snapshot};

/// A node whose probe failed: it died, timed out, or the probe raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreachableNode {
    pub node_id: String,
    #[serde(default)]
    pub node_address: Option<String>,
    pub error: String,
}

/// Hashes what makes an environment, ignoring where and when it was observed: origin,
/// pids, cwd, kernel release, the variables and paths Ray sets per worker, shell
/// variables, and Ray's vendored packages. Equal fingerprints mean equal findings.
pub(super) struct Fingerprinter<'a> {
    k: &'static Knowledge,
    opts: &'a CompareOptions,
    /// Variables and locations repeat on every node: classify each once.
    env_counts: HashMap<String, bool>,
    location_counts: HashMap<String, bool>,
}

impl<'a> Fingerprinter<'a> {
    pub(super) fn new(opts: &'a CompareOptions) -> Self {
        Fingerprinter {
            k: knowledge(),
            opts,
            env_counts: HashMap::new(),
            location_counts: HashMap::new(),
        }
    }

    fn env_counts(&mut self, key: &str) -> bool {
        if let Some(&counts) = self.env_counts.get(key) {
            return counts;
        }
        let counts = self.opts.wants_env(key)
            && !matches!(
                self.k.env_class(key),
                EnvClass::RayInjected | EnvClass::Session
            );
        self.env_counts.insert(key.to_string(), counts);
        counts
    }

    fn location_counts(&mut self, location: &str) -> bool {
        if let Some(&counts) = self.location_counts.get(location) {
            return counts;
        }
        let counts = !self.k.is_ray_vendored(location);
        self.location_counts.insert(location.to_string(), counts);
        counts
    }

    pub(super) fn fingerprint(&mut self, s: &Snapshot) -> String {
        let packages = self.packages_part(&s.packages);
        self.fingerprint_with(s, packages)
    }

    /// The packages' share of a fingerprint, computed once per distinct package list.
    pub(super) fn packages_part(&mut self, packages: &[Package]) -> PackagesPart {
        // Package order depends on the scan; combine per-package hashes so it does not
        // matter (two lanes, 128 bits).
        let (mut lane_a, mut lane_b) = (0u64, 0u64);
        for pkg in packages {
            if !self.location_counts(&pkg.location) {
                continue;
            }
            let mut ph = DefaultHasher::new();
            (&pkg.name, &pkg.version).hash(&mut ph);
            for copy in &pkg.shadowed {
                copy.version.hash(&mut ph);
            }
            let a = ph.finish();
            lane_a = lane_a.wrapping_add(a);
            lane_b = lane_b.wrapping_add(a.rotate_left(17) ^ 0x9e37_79b9_7f4a_7c15);
        }
        PackagesPart(lane_a, lane_b, packages.len())
    }

    /// The fingerprint of `s` with `packages` standing for its package list (which is
    /// not read: it may be empty, the list kept elsewhere).
    pub(super) fn fingerprint_with(&mut self, s: &Snapshot, packages: PackagesPart) -> String {
        let mut h = DefaultHasher::new();
        let py = &s.python;
        (&py.implementation, &py.abi_tag).hash(&mut h);
        let v = &py.version_info;
        (v.major, v.minor, v.micro, &v.releaselevel, v.serial).hash(&mut h);
        let p = &s.platform;
        (
            &p.system,
            p.machine.to_ascii_lowercase(),
            &p.libc.as_ref().map(|l| (&l.family, &l.version)),
        )
            .hash(&mut h);
        // The env map is sorted, so hashing in order is canonical.
        for (key, value) in &s.env {
            if !self.env_counts(key) {
                continue;
            }
            key.hash(&mut h);
            match value {
                EnvValue::Plain(v) => (0u8, v).hash(&mut h),
                EnvValue::Withheld(w) => {
                    (1u8, &w.withheld, &w.fingerprint, &w.display).hash(&mut h)
                }
            }
        }
        s.accelerators.hash(&mut h);
        s.credential_files.hash(&mut h);
        let PackagesPart(lane_a, lane_b, count) = packages;
        (lane_a, lane_b, count).hash(&mut h);
        if self.opts.include_sys_path {
            let mut seen = HashSet::new();
            for entry in &s.sys_path {
                if seen.insert(entry.as_str()) && !self.k.is_ray_path(entry) {
                    entry.hash(&mut h);
                }
            }
        }
        let first = h.finish();
        (first, "second lane").hash(&mut h);
        format!("{first:016x}{:016x}", h.finish())
    }
}

/// What a package list adds to a fingerprint: two order-independent lanes and the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PackagesPart(u64, u64, usize);

/// What identifies "the same difference" in two groups.
type FindingKey<'a> = (
    super::Severity,
    Category,
    &'a str,
    &'a str,
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

/// The fingerprint of one snapshot's environment (see [`compare_nodes`]).
pub fn environment_fingerprint(s: &Snapshot, opts: &CompareOptions) -> String {
    Fingerprinter::new(opts).fingerprint(s)
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
    let fingerprints = nodes.iter().map(|n| fingerprinter.fingerprint(n)).collect();
    let members = group_by_fingerprint(fingerprints);
    let refs: Vec<NodeRef> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeRef::of(n, format!("node-{i}")))
        .collect();
    let representatives: Vec<&Snapshot> = members.iter().map(|(_, idxs)| &nodes[idxs[0]]).collect();
    compare_groups(local, &members, &representatives, &refs, unreachable, opts)
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
            drift(k, first, rep, opts, sides, &mut parts);
        }
        for f in &mut parts.findings {
            f.group = Some(g);
            f.nodes = ids.clone();
        }
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
        matrix,
    }
}

/// Differences between the first (largest) group and another: the cluster disagrees with
/// itself. Codes `drift.*`; `local` holds group 0's value, `remote` this group's.
fn drift(
    k: &Knowledge,
    first: &Snapshot,
    other: &Snapshot,
    opts: &CompareOptions,
    sides: Sides<'_>,
    parts: &mut PairParts,
) {
    let between = diff_pair(first, other, opts, sides);
    for mut f in between
        .findings
        .into_iter()
        .filter(|f| f.severity > Severity::Expected)
    {
        f.code = format!("drift.{}", f.code);
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

fn unreachable_finding(k: &Knowledge, node: &UnreachableNode) -> Finding {
    let error = redact::mask_credentials(&node.error).unwrap_or_else(|| node.error.clone());
    let first_line = error
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no error given");
    let first_line: String = first_line.chars().take(300).collect();
    let address = node
        .node_address
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    let vars = HintVars {
        name: &node.node_id,
        ..Default::default()
    };
    let mut f = Finding::new(
        k.severity(Table::Other, "unreachable"),
        Category::Unreachable,
        node.node_id.clone(),
        "unreachable",
        format!(
            "node {}{address} did not answer the probe: {first_line}",
            node.node_id
        ),
    )
    .hint(k.hint("unreachable", vars))
    .values(None, Some(error));
    f.nodes = vec![node.node_id.clone()];
    f
}
