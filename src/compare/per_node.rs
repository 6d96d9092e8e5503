//! Per-node identity learned from the cluster (pod names and IPs, per-node mounts): kept
//! out of the grouping and reported once.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hasher};

use super::comparison::NodeRef;
use super::fingerprint::{hash_value, Fingerprinter};
use super::pair::PairParts;
use super::sides::thousands;
use crate::finding::{Category, Code, Finding};
use crate::knowledge::{Knowledge, PerNodeRule};
use crate::redact;
use crate::snapshot::Snapshot;

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
    pub(super) fn strip(&self, parts: &mut PairParts) {
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
    pub(super) fn findings(&self, k: &Knowledge, refs: &[NodeRef]) -> Vec<Finding> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::testutil::{node, snapshot, with_env, with_packages};
    use crate::compare::{compare_nodes, CompareOptions, Comparison};
    use crate::finding::Severity;
    use crate::knowledge::knowledge;

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
}
