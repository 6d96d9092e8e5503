//! Local against every node of a cluster: nodes with identical environments are grouped,
//! local is compared with each group, and groups that disagree are reported as drift.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::{Deserialize, Serialize};

use super::comparison::{
    sort_findings, CompareOptions, Comparison, ComparisonKind, EnvDiffs, Group, Incomplete,
    NodeFailure, NodeRef, NotCompared, PkgDiffs, SideInfo, SysPathDiffs,
};
use crate::finding::{mark_repeats, Category, Code, Finding, Severity, Summary};
use super::many::matrix;
use super::pair::{diff_pair, side_findings, unreadable_set, PairParts, Sides, LOCAL_REMOTE};
use crate::knowledge::{knowledge, EnvClass, HintVars, Knowledge, PerNodeRule};
use crate::redact;
use crate::snapshot::{EnvValue, Package, Snapshot};

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


/// Hashes what makes an environment, ignoring where and when it was observed: origin,
/// pids, cwd, kernel release, the variables and paths Ray sets per worker, shell
/// variables, and Ray's vendored packages. Equal fingerprints mean equal findings.
pub(super) struct Fingerprinter<'a> {
    k: &'static Knowledge,
    opts: &'a CompareOptions,
    /// Variables and locations repeat on every node: classify each once.
    env_counts: HashMap<String, bool>,
    location_counts: HashMap<String, bool>,
    /// sys.path entries learned to be per node (see [`PerNode`]).
    per_node_paths: HashSet<String>,
}

impl<'a> Fingerprinter<'a> {
    pub(super) fn new(opts: &'a CompareOptions) -> Self {
        Fingerprinter {
            k: knowledge(),
            opts,
            env_counts: HashMap::new(),
            location_counts: HashMap::new(),
            per_node_paths: HashSet::new(),
        }
    }

    /// Keeps `per_node` variables out of every fingerprint from now on.
    pub(super) fn exclude(&mut self, per_node: &PerNode) {
        for (key, _) in &per_node.vars {
            self.env_counts.insert(key.clone(), false);
        }
        self.per_node_paths.clone_from(&per_node.paths);
    }

    /// True when a variable's value is part of an environment (what [`PerNode::learn`]
    /// looks at: not already known noise).
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
            hash_value(value, &mut h);
        }
        s.accelerators.hash(&mut h);
        s.credential_files.hash(&mut h);
        let PackagesPart(lane_a, lane_b, count) = packages;
        (lane_a, lane_b, count).hash(&mut h);
        if self.opts.include_sys_path {
            let mut seen = HashSet::new();
            for entry in &s.sys_path {
                if seen.insert(entry.as_str())
                    && !self.k.is_ray_path(entry)
                    && !self.per_node_paths.contains(entry)
                {
                    entry.hash(&mut h);
                }
            }
        }
        let first = h.finish();
        (first, "second lane").hash(&mut h);
        format!("{first:016x}{:016x}", h.finish())
    }
}

/// A withheld value counts by its fingerprint: equal secrets hash alike.
fn hash_value(value: &EnvValue, h: &mut impl Hasher) {
    match value {
        EnvValue::Plain(v) => (0u8, v).hash(h),
        EnvValue::Withheld(w) => (1u8, &w.withheld, &w.fingerprint, &w.display).hash(h),
    }
}

/// Variables that are node identity, not environment, learned from the nodes themselves.
///
/// The rule (thresholds in `[per_node]` of the knowledge file): over at least
/// `min_nodes` nodes, a variable is per-node when more than `unique_share` of the nodes
/// each hold a value that no other node holds (pod IPs and names, instance ids, per-pod
/// tokens). No list of names can keep up with every deployment's downward-API variables,
/// but the cluster shows which ones they are. A variable with a few values each shared
/// by many nodes is a real difference and is never per-node; nor is one most nodes lack.
/// Per-node variables are kept out of the fingerprint (so such nodes group together) and
/// out of every group's findings, and reported once each as `expected` (`per_node`).
/// sys.path entries likewise: when more than `unique_share` of the nodes each hold an
/// entry no other node holds (a per-pod mount, a per-node temp dir), every entry held by
/// one node only is per-node, reported once.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct PerNode {
    /// Name and number of distinct values, by name.
    pub vars: Vec<(String, usize)>,
    /// sys.path entries each on one node only.
    pub paths: HashSet<String>,
}

impl PerNode {
    pub(super) fn learn<'s>(
        nodes: impl ExactSizeIterator<Item = &'s Snapshot>,
        fingerprinter: &mut Fingerprinter<'_>,
        rule: PerNodeRule,
    ) -> PerNode {
        let total = nodes.len();
        if total < rule.min_nodes.max(2) {
            return PerNode::default();
        }
        // Per variable: how many nodes hold each value (by hash: 10,000 values stay small).
        let mut counts: HashMap<&str, HashMap<u64, u32>> = HashMap::new();
        let mut nodes_seen = Vec::with_capacity(total);
        for node in nodes {
            nodes_seen.push(node);
            for (key, value) in &node.env {
                if !fingerprinter.env_counts(key) {
                    continue;
                }
                let mut h = DefaultHasher::new();
                hash_value(value, &mut h);
                *counts
                    .entry(key.as_str())
                    .or_default()
                    .entry(h.finish())
                    .or_default() += 1;
            }
        }
        let paths = if fingerprinter.opts.include_sys_path {
            per_node_paths(
                &nodes_seen,
                fingerprinter.k,
                total as f64 * rule.unique_share,
            )
        } else {
            HashSet::new()
        };
        let mut vars: Vec<(String, usize)> = counts
            .into_iter()
            .filter(|(_, values)| {
                let own = values.values().filter(|&&n| n == 1).count();
                own as f64 > rule.unique_share * total as f64
            })
            .map(|(key, values)| (key.to_string(), values.len()))
            .collect();
        vars.sort();
        PerNode { vars, paths }
    }

    fn is_empty(&self) -> bool {
        self.vars.is_empty() && self.paths.is_empty()
    }

    fn contains(&self, key: &str) -> bool {
        self.vars.iter().any(|(k, _)| k == key)
    }

    /// Drops what a pair comparison says about per-node variables.
    fn strip(&self, parts: &mut PairParts) {
        if self.is_empty() {
            return;
        }
        parts.findings.retain(|f| match f.category {
            Category::Env => !self.contains(&f.subject),
            Category::SysPath => !self.paths.contains(&f.subject),
            _ => true,
        });
        let d = &mut parts.env_diffs;
        d.only_local.retain(|k| !self.contains(k));
        d.only_remote.retain(|k| !self.contains(k));
        d.diffs.retain(|v| !self.contains(&v.key));
        let p = &mut parts.sys_path_diffs;
        p.only_local.retain(|e| !self.paths.contains(e));
        p.only_remote.retain(|e| !self.paths.contains(e));
    }

    /// One `expected` finding per variable, on every node.
    fn findings(&self, k: &Knowledge, refs: &[NodeRef]) -> Vec<Finding> {
        let all_ids: Vec<String> = refs.iter().map(|r| r.node_id.clone()).collect();
        self.vars
            .iter()
            .map(|(key, values)| {
                let mut f = Finding::new(
                    k.severity_of(&Code::EnvPerNode, key),
                    Code::EnvPerNode,
                    key.clone(),
                    format!(
                        "{key} varies per node ({} values; node identity, not compared)",
                        thousands(*values)
                    ),
                );
                f.nodes = all_ids.clone();
                f
            })
            .chain(self.paths_finding(k, &all_ids))
            .collect()
    }

    fn paths_finding(&self, k: &Knowledge, all_ids: &[String]) -> Option<Finding> {
        let example = self.paths.iter().min()?;
        let example = redact::mask_credentials(example).unwrap_or_else(|| example.clone());
        let mut f = Finding::new(
            k.severity_of(&Code::SysPathPerNode, "sys.path"),
            Code::SysPathPerNode,
            "sys.path",
            format!(
                "sys.path has an entry of its own on each node ({} entries, e.g. {example}; node identity, not compared)",
                thousands(self.paths.len())
            ),
        );
        f.nodes = all_ids.to_vec();
        Some(f)
    }
}

/// The sys.path entries held by one node only, when more than `needed` nodes hold one
/// (Ray's own entries aside); else none.
fn per_node_paths(nodes: &[&Snapshot], k: &Knowledge, needed: f64) -> HashSet<String> {
    let mut holders: HashMap<&str, u32> = HashMap::new();
    for node in nodes {
        let mine: HashSet<&str> = node.sys_path.iter().map(String::as_str).collect();
        for entry in mine {
            if !k.is_ray_path(entry) {
                *holders.entry(entry).or_default() += 1;
            }
        }
    }
    let with_own = nodes
        .iter()
        .filter(|n| {
            n.sys_path
                .iter()
                .any(|e| holders.get(e.as_str()) == Some(&1))
        })
        .count();
    if with_own as f64 <= needed {
        return HashSet::new();
    }
    holders
        .into_iter()
        .filter(|(_, n)| *n == 1)
        .map(|(e, _)| e.to_string())
        .collect()
}

/// `10000` as `10,000`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a package list adds to a fingerprint: two order-independent lanes and the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PackagesPart(u64, u64, usize);

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
    let per_node = PerNode::learn(nodes.iter(), &mut fingerprinter, knowledge().per_node);
    fingerprinter.exclude(&per_node);
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

fn not_compared(node: &UnreachableNode) -> NotCompared {
    NotCompared {
        node_id: node.node_id.clone(),
        node_address: node.node_address.clone(),
        reason: node.reason,
        error: node.why(&node.masked_error()),
    }
}

impl UnreachableNode {
    /// Its error with URL credentials masked.
    fn masked_error(&self) -> String {
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

/// Differences between the first (largest) group and another: the cluster disagrees with
/// itself. Codes `drift.*`; `local` holds group 0's value, `remote` this group's.
fn drift(
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

fn unreachable_finding(k: &Knowledge, node: &UnreachableNode) -> Finding {
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
            format!("node {}{address} did not answer the probe: {why}", node.node_id),
        ),
        NodeFailure::RuntimeEnv => (
            Code::RuntimeEnv,
            format!("node {}{address} could not set up the runtime_env: {why}", node.node_id),
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
    let lines: Vec<&str> = error.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let tool: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| {
            ["ERROR:", "error:", "cause:", "CondaError", "PackagesNotFoundError", "EnvironmentNameNotFound"]
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

#[cfg(test)]
mod per_node_tests {
    use super::*;
    use crate::compare::testutil::{node, snapshot, with_env, with_packages};

    fn pod(i: usize, image: &str, extra: &[(&str, &str)]) -> Snapshot {
        let ip = format!("10.0.{}.{}", i / 250, i % 250);
        let name = format!("worker-{i}");
        let token = format!(
            "tok-{:x}",
            (i as u64 + 7).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        let mut vars = vec![
            ("POD_IP", ip.as_str()),
            ("POD_NAME", name.as_str()),
            ("NODE_TOKEN", token.as_str()),
            ("IMAGE", image),
        ];
        vars.extend_from_slice(extra);
        let s = with_packages(snapshot(), &[("numpy", "1.26.4")]);
        node(with_env(s, &vars), &format!("n{i}"))
    }

    fn per_node_subjects(c: &Comparison) -> Vec<&str> {
        c.findings
            .iter()
            .filter(|f| f.code == "per_node")
            .map(|f| f.subject.as_str())
            .collect()
    }

    #[test]
    fn per_node_variables_are_learned_reported_once_and_not_grouped_on() {
        let nodes: Vec<Snapshot> = (0..40).map(|i| pod(i, "a", &[])).collect();
        let c = compare_nodes(&pod(999, "a", &[]), &nodes, &[], &CompareOptions::default());
        assert_eq!(c.groups.len(), 1);
        assert_eq!(per_node_subjects(&c), ["NODE_TOKEN", "POD_IP", "POD_NAME"]);
        for f in c.findings.iter().filter(|f| f.code == "per_node") {
            assert_eq!(f.severity, Severity::Expected);
            assert_eq!(f.group, None);
            assert_eq!(f.nodes.len(), 40);
            assert!(
                f.message.contains("varies per node (40 values"),
                "{}",
                f.message
            );
        }
        // Nothing else about them: no per-group finding, no env_diffs entry.
        let about_pod_ip = c.findings.iter().filter(|f| f.subject == "POD_IP").count();
        assert_eq!(about_pod_ip, 1);
        assert!(c.env_diffs.diffs.iter().all(|d| d.key != "POD_IP"));
    }

    #[test]
    fn two_values_over_many_nodes_are_a_real_difference() {
        // Half the nodes on one image, half on another: IMAGE splits the cluster.
        let nodes: Vec<Snapshot> = (0..200)
            .map(|i| pod(i, if i % 2 == 0 { "a" } else { "b" }, &[]))
            .collect();
        let c = compare_nodes(&pod(999, "a", &[]), &nodes, &[], &CompareOptions::default());
        assert_eq!(c.groups.len(), 2);
        assert!(!per_node_subjects(&c).contains(&"IMAGE"));
        assert!(c
            .findings
            .iter()
            .any(|f| f.subject == "IMAGE" && f.code.is_drift()));
    }

    #[test]
    fn thresholds_are_respected() {
        let rule = knowledge().per_node;
        let learned = |nodes: &[Snapshot]| {
            let opts = CompareOptions::default();
            let mut fp = Fingerprinter::new(&opts);
            PerNode::learn(nodes.iter(), &mut fp, rule)
                .vars
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        };
        // Below the minimum node count nothing is per-node, however unique.
        let few: Vec<Snapshot> = (0..rule.min_nodes - 1).map(|i| pod(i, "a", &[])).collect();
        assert!(learned(&few).is_empty());
        let enough: Vec<Snapshot> = (0..rule.min_nodes).map(|i| pod(i, "a", &[])).collect();
        assert_eq!(learned(&enough), ["NODE_TOKEN", "POD_IP", "POD_NAME"]);
        // Just above and just at the unique share: 20 nodes, a variable unique on k of them
        // (the rest share one value).
        let total = 20usize;
        let needed = (rule.unique_share * total as f64).floor() as usize + 1;
        for (unique_on, per_node) in [(needed, true), (needed - 1, false)] {
            let nodes: Vec<Snapshot> = (0..total)
                .map(|i| {
                    let v = if i < unique_on {
                        format!("v{i}")
                    } else {
                        "same".into()
                    };
                    pod(i, "a", &[("ZONE_ID", &v)])
                })
                .collect();
            assert_eq!(
                learned(&nodes).contains(&"ZONE_ID".to_string()),
                per_node,
                "unique on {unique_on} of {total}"
            );
        }
        // Known noise (Ray's, the session's) is not learned again.
        let nodes: Vec<Snapshot> = (0..10)
            .map(|i| pod(i, "a", &[("HOSTNAME", &format!("h{i}"))]))
            .collect();
        assert!(!learned(&nodes).contains(&"HOSTNAME".to_string()));
    }

    #[test]
    fn per_node_sys_path_entries_are_learned_and_reported_once() {
        let nodes: Vec<Snapshot> = (0..30)
            .map(|i| {
                let mut s = pod(i, "a", &[]);
                s.sys_path.push(format!("/mnt/pod-{i}/site"));
                // Half the nodes share one more entry: a real difference, not per node.
                if i % 2 == 0 {
                    s.sys_path.push("/opt/shared-extra".into());
                }
                s
            })
            .collect();
        let c = compare_nodes(&pod(999, "a", &[]), &nodes, &[], &CompareOptions::default());
        assert_eq!(c.groups.len(), 2);
        let about_paths: Vec<&Finding> = c
            .findings
            .iter()
            .filter(|f| f.category == Category::SysPath)
            .collect();
        let per_node: Vec<&&Finding> = about_paths
            .iter()
            .filter(|f| f.code == "per_node")
            .collect();
        assert_eq!(per_node.len(), 1);
        assert_eq!(per_node[0].severity, Severity::Expected);
        assert!(
            per_node[0]
                .message
                .contains("(30 entries, e.g. /mnt/pod-0/site"),
            "{}",
            per_node[0].message
        );
        assert!(about_paths
            .iter()
            .all(|f| !f.subject.starts_with("/mnt/pod-")));
        assert!(about_paths.iter().any(|f| f.subject == "/opt/shared-extra"));
        assert!(c.groups.iter().all(|g| g
            .sys_path_diffs
            .only_remote
            .iter()
            .all(|e| !e.starts_with("/mnt/pod-"))));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
