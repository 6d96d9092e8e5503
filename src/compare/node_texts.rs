//! [`compare_nodes`](super::compare_nodes) on snapshots given as JSON text, as probes
//! return them, without parsing every node in full.
//!
//! Nearly all of a snapshot's bytes are its package list, and the nodes of a cluster
//! mostly share one environment. So each node is read without its package list
//! ([`PackageLists::read`]), the package lists are told apart by their text, and each
//! distinct list is parsed and fingerprinted once. Two texts of the same list (other key
//! order, spacing or escapes) are parsed separately and still fingerprint alike. The
//! result is that of parsing every node and calling `compare_nodes`; a node the partial
//! read refuses gets the full parse, whose error names it.

use std::collections::HashMap;

use super::comparison::{CompareOptions, Comparison, NodeRef};
use super::fingerprint::Fingerprinter;
use super::nodes::{compare_groups, group_by_fingerprint};
use super::per_node::PerNode;
use super::unreachable::UnreachableNode;
use crate::knowledge::knowledge;
use crate::parallel::map_chunks_per_core;
use crate::snapshot::partial::{packages_from_json, PackageLists};
use crate::snapshot::{from_json_str, Package, Snapshot, SnapshotError};

/// A comparison of local with node snapshots given as text, and the snapshot of each
/// group's first node (group order).
#[derive(Debug)]
pub struct NodeTextsComparison {
    pub comparison: Comparison,
    pub representatives: Vec<Snapshot>,
}

/// One node once read: everything but its package list plus the index of that list
/// among the distinct ones, or (when the partial read refused it) the full parse.
enum Node {
    Partial { snapshot: Snapshot, packages: usize },
    Full(Snapshot),
}

impl Node {
    fn snapshot(&self) -> &Snapshot {
        match self {
            Node::Partial { snapshot, .. } | Node::Full(snapshot) => snapshot,
        }
    }
}

/// Compares `local` with the node snapshots `texts` (see
/// [`compare_nodes`](super::compare_nodes)); `name(i)` names node `i` in errors.
///
/// Fails with the error of the first node (in order) that is not a valid snapshot.
pub fn compare_node_texts<S: AsRef<str> + Sync>(
    local: &Snapshot,
    texts: &[S],
    name: impl Fn(usize) -> String,
    unreachable: &[UnreachableNode],
    opts: &CompareOptions,
) -> Result<NodeTextsComparison, SnapshotError> {
    // Each thread reads its share of the nodes, matching package lists within it...
    let chunks = map_chunks_per_core(texts, |chunk| {
        let mut lists = PackageLists::default();
        let read: Vec<_> = chunk.iter().map(|text| lists.read(text.as_ref())).collect();
        (read, lists)
    });
    // ...then the threads' lists are told apart, and each distinct one parsed once.
    let mut lists = PackageLists::default();
    let mut read: Vec<Option<(Snapshot, usize)>> = Vec::with_capacity(texts.len());
    for (chunk_read, chunk_lists) in chunks {
        let global = lists.merge(&chunk_lists);
        read.extend(
            chunk_read
                .into_iter()
                .map(|r| r.map(|(snapshot, list)| (snapshot, global[list]))),
        );
    }
    let parsed = parse_lists(lists.lists());

    // In node order, so that the first invalid node is the one reported.
    let mut nodes = Vec::with_capacity(texts.len());
    for (i, (node, text)) in read.into_iter().zip(texts).enumerate() {
        nodes.push(match node {
            Some((snapshot, list)) if parsed[list].is_some() => Node::Partial {
                snapshot,
                packages: list,
            },
            _ => Node::Full(from_json_str(&name(i), text.as_ref())?),
        });
    }
    Ok(compare_read(local, nodes, &parsed, unreachable, opts))
}

/// [`compare_node_texts`] with each node given as the rest of its snapshot (a JSON object
/// without `packages`) and the index of its package list among `lists` (JSON text): what
/// the Ray probes send. The driver then holds one copy of each distinct list, however
/// many nodes share it, and never a node's whole text.
///
/// Fails with the error of the first node (in order) whose rest and list do not make a
/// valid snapshot (an index past `lists` reads as a `null` list).
pub fn compare_node_parts<S: AsRef<str> + Sync>(
    local: &Snapshot,
    rests: &[S],
    lists: &[S],
    list_of: &[usize],
    name: impl Fn(usize) -> String,
    unreachable: &[UnreachableNode],
    opts: &CompareOptions,
) -> Result<NodeTextsComparison, SnapshotError> {
    let read: Vec<Option<Snapshot>> = map_chunks_per_core(rests, |chunk| {
        chunk
            .iter()
            .map(|rest| {
                let text = with_packages(rest.as_ref(), "[]");
                PackageLists::default().read(&text).map(|(s, _)| s)
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let parsed = parse_lists(lists);
    let mut nodes = Vec::with_capacity(rests.len());
    for (i, (node, rest)) in read.into_iter().zip(rests).enumerate() {
        let list = list_of.get(i).copied();
        let valid_list = list.filter(|&l| parsed.get(l).is_some_and(Option::is_some));
        nodes.push(match (node, valid_list) {
            (Some(snapshot), Some(packages)) => Node::Partial { snapshot, packages },
            _ => {
                let packages = list
                    .and_then(|l| lists.get(l))
                    .map_or("null", |l| l.as_ref());
                Node::Full(from_json_str(
                    &name(i),
                    &with_packages(rest.as_ref(), packages),
                )?)
            }
        });
    }
    Ok(compare_read(local, nodes, &parsed, unreachable, opts))
}

/// Each distinct package list parsed and checked (`None` when invalid), on every core.
fn parse_lists<S: AsRef<str> + Sync>(lists: &[S]) -> Vec<Option<Vec<Package>>> {
    map_chunks_per_core(lists, |part| {
        part.iter()
            .map(|json| packages_from_json(json.as_ref()))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// A snapshot's JSON text from the rest of it (a JSON object) and its package list, as
/// `_ray._with_packages` joins them. Text that is not an object is kept as it is, for the
/// loader to refuse.
fn with_packages(rest: &str, packages: &str) -> String {
    let Some(body) = rest.trim_end().strip_suffix('}') else {
        return rest.to_string();
    };
    let body = body.trim_end();
    let comma = if body.trim_start() == "{" { "" } else { "," };
    format!("{body}{comma}\"packages\":{packages}}}")
}

/// The comparison once every node is read: per-node variables learned, nodes grouped by
/// fingerprint (each distinct package list fingerprinted once), groups compared.
fn compare_read(
    local: &Snapshot,
    nodes: Vec<Node>,
    parsed: &[Option<Vec<Package>>],
    unreachable: &[UnreachableNode],
    opts: &CompareOptions,
) -> NodeTextsComparison {
    let mut fingerprinter = Fingerprinter::new(opts);
    let per_node = PerNode::learn(
        nodes.iter().map(Node::snapshot),
        &mut fingerprinter,
        knowledge().per_node,
    );
    fingerprinter.exclude(&per_node.vars, &per_node.paths);
    let mut parts = HashMap::new();
    let fingerprints = nodes
        .iter()
        .map(|node| match node {
            Node::Partial { snapshot, packages } => {
                let list = parsed[*packages].as_deref().expect("checked above");
                let part = *parts
                    .entry(*packages)
                    .or_insert_with(|| fingerprinter.packages_part(list));
                fingerprinter.fingerprint_with(snapshot, part)
            }
            Node::Full(snapshot) => fingerprinter.fingerprint(snapshot),
        })
        .collect();
    let members = group_by_fingerprint(fingerprints);
    let refs: Vec<NodeRef> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeRef::of(n.snapshot(), format!("node-{i}")))
        .collect();
    let representatives: Vec<Snapshot> = members
        .iter()
        .map(|(_, idxs)| match &nodes[idxs[0]] {
            Node::Partial { snapshot, packages } => {
                let mut whole = snapshot.clone();
                whole.packages = parsed[*packages].clone().expect("checked above");
                whole
            }
            Node::Full(snapshot) => snapshot.clone(),
        })
        .collect();
    let borrowed: Vec<&Snapshot> = representatives.iter().collect();
    let comparison = compare_groups(
        local,
        &members,
        &borrowed,
        &refs,
        unreachable,
        &per_node,
        opts,
    );
    NodeTextsComparison {
        comparison,
        representatives,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::compare_nodes;
    use crate::snapshot::testutil::{node, package, snapshot, with_env, with_packages};
    use crate::snapshot::{EnvValue, ShadowedCopy};

    /// A small deterministic generator (xorshift), so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    fn base() -> Snapshot {
        let names = [
            "numpy",
            "pandas",
            "ray",
            "torch",
            "typing-extensions",
            "pyyaml",
            "six",
            "attrs",
        ];
        let mut s = with_packages(
            snapshot(),
            &names.iter().map(|n| (*n, "1.0.0")).collect::<Vec<_>>(),
        );
        s.packages[1].requires_dist = vec![
            "numpy>=1.22".into(),
            "pytz; python_version < \"3.12\"".into(),
        ];
        s.packages[2].shadowed = vec![ShadowedCopy {
            version: "2.0".into(),
            location: "/elsewhere".into(),
            metadata_path: "/elsewhere/ray-2.0.dist-info".into(),
        }];
        with_env(s, &[("HOME", "/root"), ("OMP_NUM_THREADS", "4")])
    }

    /// One of a few environments, some of them equal to others but written differently.
    fn environment(rng: &mut Rng) -> Snapshot {
        let mut s = base();
        match rng.below(8) {
            0 => s.packages[0].version = "2.2.6".into(),
            1 => s.packages.push(package("extra-pkg", "0.1")),
            2 => s.packages.reverse(), // same environment: order does not count
            3 => {
                s.env.insert(
                    "RAY_RAYLET_PID".into(),
                    EnvValue::Plain(rng.below(1000).to_string()),
                );
            } // Ray's per-worker variable: same environment
            4 => s.sys_path.push("/opt/extra".into()),
            5 => s.packages[2].shadowed[0].version = "2.1".into(),
            6 => s.packages[3].location = "/elsewhere".into(), // not fingerprinted: same group
            _ => {}
        }
        s
    }

    /// The same document in one of several spellings.
    fn spelled(s: &Snapshot, rng: &mut Rng) -> String {
        match rng.below(5) {
            0 => serde_json::to_string(s).unwrap(),
            1 => serde_json::to_string_pretty(s).unwrap(),
            // Keys sorted: another member order than the struct's.
            2 => serde_json::to_value(s).unwrap().to_string(),
            // Escapes that decode to the same text.
            3 => serde_json::to_string(s)
                .unwrap()
                .replace("site-packages", "site\\u002dpackages"),
            _ => serde_json::to_string(s)
                .unwrap()
                .replace("\"numpy\"", "\"\\u006eumpy\""),
        }
    }

    fn by_full_parse(
        local: &Snapshot,
        texts: &[String],
        opts: &CompareOptions,
    ) -> (Comparison, Vec<Snapshot>) {
        let nodes: Vec<Snapshot> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| from_json_str(&format!("node snapshot {i}"), t).unwrap())
            .collect();
        let c = compare_nodes(local, &nodes, &[], opts);
        let reps = c.groups.iter().map(|g| {
            let first = nodes
                .iter()
                .enumerate()
                .position(|(i, n)| NodeRef::of(n, format!("node-{i}")) == g.nodes[0]);
            nodes[first.unwrap()].clone()
        });
        let reps = reps.collect();
        (c, reps)
    }

    #[test]
    fn grouping_from_text_is_grouping_the_parsed_snapshots() {
        let local = base();
        let mut rng = Rng(0x5eed_1234_abcd);
        let mut group_counts = Vec::new();
        for round in 0..40 {
            let count = 1 + rng.below(24);
            let texts: Vec<String> = (0..count)
                .map(|i| {
                    spelled(
                        &node(environment(&mut rng), &format!("n{round}-{i}")),
                        &mut rng,
                    )
                })
                .collect();
            for opts in [
                CompareOptions::default(),
                CompareOptions {
                    include_sys_path: false,
                    ..Default::default()
                },
            ] {
                let (expected, expected_reps) = by_full_parse(&local, &texts, &opts);
                let got = compare_node_texts(
                    &local,
                    &texts,
                    |i| format!("node snapshot {i}"),
                    &[],
                    &opts,
                )
                .unwrap();
                assert_eq!(got.comparison, expected, "round {round}");
                assert_eq!(got.representatives, expected_reps, "round {round}");
                group_counts.push(expected.groups.len());
            }
        }
        assert!(
            group_counts.contains(&1) && group_counts.iter().any(|&n| n >= 4),
            "{group_counts:?}"
        );
    }

    /// A node as the probes send it: the rest as text, its package list apart.
    fn split(s: &Snapshot) -> (String, String) {
        let mut rest = serde_json::to_value(s).unwrap();
        let packages = rest.as_object_mut().unwrap().remove("packages").unwrap();
        (rest.to_string(), packages.to_string())
    }

    #[test]
    fn nodes_given_in_parts_compare_as_their_whole_texts() {
        let local = base();
        let mut rng = Rng(0xfeed_5eed_0042);
        for round in 0..20 {
            let count = 1 + rng.below(24);
            let nodes: Vec<Snapshot> = (0..count)
                .map(|i| node(environment(&mut rng), &format!("n{round}-{i}")))
                .collect();
            let mut lists: Vec<String> = Vec::new();
            let mut rests = Vec::new();
            let mut list_of = Vec::new();
            for n in &nodes {
                let (rest, list) = split(n);
                let at = lists.iter().position(|l| *l == list).unwrap_or_else(|| {
                    lists.push(list);
                    lists.len() - 1
                });
                rests.push(rest);
                list_of.push(at);
            }
            let opts = CompareOptions::default();
            let (expected, expected_reps) = by_full_parse(
                &local,
                &nodes
                    .iter()
                    .map(|n| serde_json::to_string(n).unwrap())
                    .collect::<Vec<_>>(),
                &opts,
            );
            let got = compare_node_parts(
                &local,
                &rests,
                &lists,
                &list_of,
                |i| i.to_string(),
                &[],
                &opts,
            )
            .unwrap();
            assert_eq!(got.comparison, expected, "round {round}");
            assert_eq!(got.representatives, expected_reps, "round {round}");
        }
    }

    #[test]
    fn a_node_in_parts_that_is_invalid_is_named() {
        let s = node(base(), "a");
        let (rest, list) = split(&s);
        let lists = vec![list.clone(), "[{\"name\": 3}]".to_string()];
        let opts = CompareOptions::default();
        let name = |i: usize| format!("node snapshot {i}");
        // A bad list, a list index past the end, a rest that is not an object, a rest
        // that holds packages itself.
        for (rests, of) in [
            (vec![rest.clone(), rest.clone()], vec![0, 1]),
            (vec![rest.clone(), rest.clone()], vec![0, 7]),
            (vec![rest.clone(), "[]".to_string()], vec![0, 0]),
            (
                vec![rest.clone(), serde_json::to_string(&s).unwrap()],
                vec![0, 0],
            ),
        ] {
            let err = compare_node_parts(&s, &rests, &lists, &of, name, &[], &opts).unwrap_err();
            assert!(err.to_string().contains("node snapshot 1"), "{err}");
        }
        let got = compare_node_parts(&s, &[rest], &[list], &[0], name, &[], &opts).unwrap();
        assert_eq!(got.representatives[0].packages, s.packages);
    }

    #[test]
    fn equal_environments_written_differently_are_one_group() {
        let s = base();
        let mut reordered = base();
        reordered.packages.reverse();
        let texts = vec![
            serde_json::to_string(&node(s.clone(), "a")).unwrap(),
            serde_json::to_string_pretty(&node(s.clone(), "b")).unwrap(),
            serde_json::to_value(node(s.clone(), "c"))
                .unwrap()
                .to_string(),
            serde_json::to_string(&node(reordered, "d")).unwrap(),
        ];
        let got = compare_node_texts(
            &s,
            &texts,
            |i| i.to_string(),
            &[],
            &CompareOptions::default(),
        )
        .unwrap();
        assert_eq!(got.comparison.groups.len(), 1);
        let ids: Vec<&str> = got.comparison.groups[0]
            .nodes
            .iter()
            .map(|n| n.node_id.as_str())
            .collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        assert_eq!(
            got.representatives[0]
                .origin
                .as_ref()
                .unwrap()
                .node_id
                .as_deref(),
            Some("a")
        );
        assert_eq!(got.representatives[0].packages, s.packages);
    }

    #[test]
    fn the_first_invalid_node_is_reported_with_the_loaders_error() {
        let s = base();
        let good = serde_json::to_string(&node(s.clone(), "a")).unwrap();
        let bad_name = good.replacen("\"name\":\"pandas\"", "\"name\":\"Pandas\"", 1);
        let truncated = good[..good.len() - 1].to_string();
        let bad_schema = good.replace("genevars.snapshot/1", "genevars.snapshot/9");
        for bad in [&bad_name, &truncated, &bad_schema] {
            assert_ne!(bad, &good);
            // The invalid node comes second; a later node is broken another way.
            let texts = vec![good.clone(), bad.clone(), good.clone(), "[]".to_string()];
            let err = compare_node_texts(
                &s,
                &texts,
                |i| format!("node snapshot {i}"),
                &[],
                &CompareOptions::default(),
            )
            .unwrap_err();
            assert_eq!(err, from_json_str("node snapshot 1", bad).unwrap_err());
        }
        // The same invalid package list on two nodes: still the first one is named.
        let texts = vec![truncated.clone(), bad_name.clone(), bad_name.clone()];
        let err = compare_node_texts(
            &s,
            &texts,
            |i| format!("n{i}"),
            &[],
            &CompareOptions::default(),
        )
        .unwrap_err();
        assert_eq!(err, from_json_str("n0", &truncated).unwrap_err());
    }
}
