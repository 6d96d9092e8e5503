//! [`compare_nodes`](super::compare_nodes) on node snapshots given as JSON text, each
//! distinct package list read once.
//!
//! Nearly all of a snapshot's bytes are its package list, and the nodes of a cluster
//! mostly share one environment. The Ray probes send each node's snapshot without its
//! list and each distinct list once ([`compare_node_parts`]); a whole node text has its
//! list set aside as text and matched with the lists seen by its bytes
//! ([`compare_node_texts`]). Either way the snapshot loader reads each node but for its
//! list (`snapshot::rest_from_json_str`, `snapshot::split_from_json_str`), and each
//! distinct list is parsed, checked and fingerprinted once, then shared by the nodes that
//! have it. Two texts of the same list (other key order, spacing or escapes) are parsed
//! apart and still fingerprint alike. The result is that of parsing every node and
//! calling `compare_nodes`, the errors those of the loader.

use std::collections::HashMap;

use super::comparison::{CompareOptions, Comparison, NodeRef};
use super::fingerprint::{CondaPart, Fingerprinter};
use super::nodes::{compare_groups, group_by_fingerprint};
use super::pair::python_names;
use super::per_node::PerNode;
use super::unreachable::UnreachableNode;
use crate::knowledge::knowledge;
use crate::parallel::map_chunks_per_core;
use crate::snapshot::{
    from_json_str, packages_from_json_str, rest_from_json_str, split_from_json_str,
    split_with_list, Packages, Snapshot, SnapshotError,
};

/// How many lists already seen a node text is searched for before its own list is read
/// and looked up by hash instead (searches for many lists that are not there would cost
/// more than reading it).
const BYTE_MATCHED_LISTS: usize = 8;

/// A comparison of local with node snapshots given as text, and the snapshot of each
/// group's first node (group order).
#[derive(Debug)]
pub struct NodeTextsComparison {
    pub comparison: Comparison,
    pub representatives: Vec<Snapshot>,
}

/// One node once read: its snapshot with an empty package list, and the index of its
/// list among the distinct ones.
struct Node {
    snapshot: Snapshot,
    packages: usize,
}

/// Compares `local` with the node snapshots `texts` (see
/// [`compare_nodes`](super::compare_nodes)); `name(i)` names node `i` in errors.
///
/// Fails with the loader's error for the first node (in order) that is not a valid
/// snapshot.
pub fn compare_node_texts<S: AsRef<str> + Sync>(
    local: &Snapshot,
    texts: &[S],
    name: impl Fn(usize) -> String,
    unreachable: &[UnreachableNode],
    opts: &CompareOptions,
) -> Result<NodeTextsComparison, SnapshotError> {
    // Each thread reads its share of the nodes, matching package lists within it...
    let chunks = map_chunks_per_core(texts, |chunk| {
        let mut lists = ListTexts::default();
        let read: Vec<_> = chunk.iter().map(|text| lists.read(text.as_ref())).collect();
        (read, lists)
    });
    // ...then the threads' lists are told apart, and each distinct one parsed once.
    let mut lists = ListTexts::default();
    let mut read: Vec<Option<(Snapshot, usize)>> = Vec::with_capacity(texts.len());
    for (chunk_read, chunk_lists) in chunks {
        let global: Vec<usize> = chunk_lists.lists.iter().map(|l| lists.add(l)).collect();
        read.extend(
            chunk_read
                .into_iter()
                .map(|r| r.map(|(snapshot, list)| (snapshot, global[list]))),
        );
    }
    let mut parsed = parse_lists(&lists.lists);

    // In node order, so that the first invalid node is the one reported.
    let mut nodes = Vec::with_capacity(texts.len());
    for (i, (node, text)) in read.into_iter().zip(texts).enumerate() {
        nodes.push(match node {
            Some((snapshot, packages)) if parsed[packages].is_some() => Node { snapshot, packages },
            // Refused: the loader says why (and should it accept the text after all, the
            // node is the snapshot it reads, with a list of its own).
            _ => {
                let mut snapshot = from_json_str(&name(i), text.as_ref())?;
                parsed.push(Some(std::mem::take(&mut snapshot.packages)));
                Node {
                    snapshot,
                    packages: parsed.len() - 1,
                }
            }
        });
    }
    Ok(compare_read(local, nodes, &parsed, unreachable, opts))
}

/// [`compare_node_texts`] with each node given as the rest of its snapshot (a JSON object
/// without `packages`) and the index of its package list among `lists` (JSON text): what
/// the Ray probes send. The driver then holds one copy of each distinct list, however
/// many nodes share it, and never a node's whole text.
///
/// Fails for the first node (in order) whose rest is not a valid snapshot but for its
/// list (the loader's error) or whose list is not a valid package list (the error names
/// the node, its line and column are the list's) or not in `lists`.
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
            .map(|rest| rest_from_json_str("", rest.as_ref()).ok())
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let parsed = parse_lists(lists);
    let mut nodes = Vec::with_capacity(rests.len());
    for (i, (node, rest)) in read.into_iter().zip(rests).enumerate() {
        // Read again when refused, for the error to name the node.
        let snapshot = match node {
            Some(snapshot) => snapshot,
            None => rest_from_json_str(&name(i), rest.as_ref())?,
        };
        let packages = list_of.get(i).copied().unwrap_or(usize::MAX);
        match parsed.get(packages) {
            Some(Some(_)) => {}
            Some(None) => {
                packages_from_json_str(&name(i), lists[packages].as_ref())?;
            }
            None => {
                return Err(SnapshotError::Invalid {
                    file: name(i),
                    message: format!("no package list {packages} among the {} given", lists.len()),
                })
            }
        }
        nodes.push(Node { snapshot, packages });
    }
    Ok(compare_read(local, nodes, &parsed, unreachable, opts))
}

/// Each distinct package list parsed and checked (`None` when invalid), on every core.
fn parse_lists<S: AsRef<str> + Sync>(lists: &[S]) -> Vec<Option<Packages>> {
    map_chunks_per_core(lists, |part| {
        part.iter()
            .map(|json| packages_from_json_str("", json.as_ref()).ok())
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// The distinct package lists (JSON text) of the node texts read so far.
#[derive(Default)]
struct ListTexts<'a> {
    lists: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
}

impl<'a> ListTexts<'a> {
    /// The node `text` read but for its package list, and the index of that list here
    /// (added when new); `None` when the text is not a valid snapshot but for its list.
    fn read(&mut self, text: &'a str) -> Option<(Snapshot, usize)> {
        if let Some(known) = self.known(text) {
            return Some(known);
        }
        let (snapshot, list) = split_from_json_str(text)?;
        Some((snapshot, self.add(list)))
    }

    fn add(&mut self, list: &'a str) -> usize {
        *self.index.entry(list).or_insert_with(|| {
            self.lists.push(list);
            self.lists.len() - 1
        })
    }

    /// The node `text` read, when its package list is one already seen, without reading
    /// that list again ([`split_with_list`]).
    fn known(&self, text: &str) -> Option<(Snapshot, usize)> {
        let mut lists = self.lists.iter().take(BYTE_MATCHED_LISTS).enumerate();
        lists.find_map(|(index, list)| Some((split_with_list(text, list)?.0, index)))
    }
}

/// The comparison once every node is read: per-node variables learned, nodes grouped by
/// fingerprint (each distinct package list fingerprinted once), groups compared.
fn compare_read(
    local: &Snapshot,
    nodes: Vec<Node>,
    parsed: &[Option<Packages>],
    unreachable: &[UnreachableNode],
    opts: &CompareOptions,
) -> NodeTextsComparison {
    let mut fingerprinter = Fingerprinter::new(opts);
    let per_node = PerNode::learn(
        nodes.iter().map(|n| &n.snapshot),
        &mut fingerprinter,
        knowledge().per_node,
    );
    fingerprinter.exclude(&per_node.vars, &per_node.paths);
    let mut parts = HashMap::new();
    let mut names = HashMap::new();
    let fingerprints = nodes
        .iter()
        .map(|Node { snapshot, packages }| {
            let list = parsed[*packages].as_deref().expect("checked when read");
            let part = *parts
                .entry(*packages)
                .or_insert_with(|| fingerprinter.packages_part(list));
            let conda = if snapshot.conda.is_empty() {
                CondaPart::NONE
            } else {
                let python = names.entry(*packages).or_insert_with(|| python_names(list));
                CondaPart::of(&snapshot.conda, python)
            };
            fingerprinter.fingerprint_with(snapshot, part, conda)
        })
        .collect();
    let members = group_by_fingerprint(fingerprints);
    let refs: Vec<NodeRef> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeRef::of(&n.snapshot, format!("node-{i}")))
        .collect();
    let representatives: Vec<Snapshot> = members
        .iter()
        .map(|(_, idxs)| {
            let Node { snapshot, packages } = &nodes[idxs[0]];
            Snapshot {
                packages: parsed[*packages].clone().expect("checked when read"),
                ..snapshot.clone()
            }
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
    use crate::snapshot::{CondaPackage, EnvValue, ShadowedCopy};

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
        let conda = |name: &str, build: &str| CondaPackage {
            name: name.into(),
            version: "1.0".into(),
            build: build.into(),
        };
        s.conda = vec![
            conda("numpy", "py_0"),
            conda("ffmpeg", "h0"),
            conda("zlib", "h0"),
        ];
        with_env(s, &[("HOME", "/root"), ("OMP_NUM_THREADS", "4")])
    }

    /// One of a few environments, some of them equal to others but written differently.
    fn environment(rng: &mut Rng) -> Snapshot {
        let mut s = base();
        match rng.below(11) {
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
            7 => s.conda[1].build = "h1".into(),
            8 => s.conda[0].build = "py_1".into(), // a Python distribution's: same group
            9 => s.conda.reverse(),                // same environment
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

    /// Whatever the loader refuses is refused with its error, also when the text's list
    /// is one already seen (found by its bytes) or holds one.
    #[test]
    fn a_text_the_loader_refuses_gets_its_error() {
        let s = node(base(), "a");
        let good: serde_json::Value = serde_json::to_value(&s).unwrap();
        let good_text = good.to_string();
        let packages = good["packages"].to_string();
        let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            edit(&mut v);
            v.to_string()
        };
        let mut bad = vec![
            edited(&|v| v["schema"] = "genevars.snapshot/2".into()),
            edited(&|v| v["schema"] = "other/1".into()),
            edited(&|v| {
                v.as_object_mut().unwrap().remove("schema");
            }),
            edited(&|v| {
                v.as_object_mut().unwrap().remove("packages");
            }),
            edited(&|v| v["packages"][0]["name"] = "NumPy".into()),
            edited(&|v| v["packages"][1]["name"] = "numpy".into()),
            edited(&|v| v["packages"][0]["version"] = 1.into()),
            edited(&|v| v["packages"] = 5.into()),
            edited(&|v| v["env"]["K"] = serde_json::json!({"withheld": "other"})),
            edited(&|v| {
                v["env"]["K"] = serde_json::json!({"withheld": "secret", "fingerprint": "md5:1"})
            }),
            edited(&|v| v["env"]["K"] = serde_json::json!([1])),
            edited(&|v| v["origin"]["pid"] = "x".into()),
            "{".into(),
            "{}".into(),
            "[]".into(),
            format!("{good_text} x"),
            format!("{good_text},"),
            // A known list followed by more array text, a second packages key, a list cut short.
            good_text.replacen(&packages, &format!("{packages}, []"), 1),
            good_text.replacen('{', &format!("{{\"packages\":{packages},"), 1),
            good_text.replacen('{', &format!("{{\"p\\u0061ckages\":{packages},"), 1),
            good_text.replacen(&packages, &packages[..packages.len() - 1], 1),
        ];
        // The list where a string starts: a stand-in there breaks the text.
        bad.push(good_text.replacen("\"cwd\":\"", &format!("\"cwd\":{packages}\""), 1));
        for text in &bad {
            let expected = from_json_str("node snapshot 1", text).expect_err(text);
            let texts = [good_text.as_str(), text.as_str()];
            let got = compare_node_texts(
                &s,
                &texts,
                |i| format!("node snapshot {i}"),
                &[],
                &CompareOptions::default(),
            )
            .expect_err(text);
            assert_eq!(got, expected, "{text}");
        }
        // The same texts after the good one in one thread: its list is known.
        let mut lists = ListTexts::default();
        assert!(lists.known(&good_text).is_none());
        assert_eq!(lists.read(&good_text).map(|(_, i)| i), Some(0));
        assert!(lists.known(&good_text).is_some(), "found by its bytes");
        for text in &bad {
            let read = lists.read(text).and_then(|(mut snapshot, list)| {
                snapshot.packages = packages_from_json_str("", lists.lists[list]).ok()?;
                Some(snapshot)
            });
            assert_eq!(read, None, "{text}");
        }
    }

    /// A text holding a known list's bytes elsewhere than in `packages` is read in full.
    #[test]
    fn a_list_found_elsewhere_in_a_text_is_not_taken_for_its_packages() {
        let s = node(base(), "a");
        let mut other = node(base(), "b");
        other.packages[0].version = "9.9".into();
        let first = serde_json::to_string(&s).unwrap();
        let list = serde_json::to_string(&s.packages).unwrap();
        // The first list's bytes in an unknown field before the node's own list.
        let second = serde_json::to_string(&other).unwrap().replacen(
            '{',
            &format!("{{\"extra\":{list},"),
            1,
        );
        let mut lists = ListTexts::default();
        lists.read(&first).unwrap();
        assert!(lists.known(&second).is_none());
        let (snapshot, index) = lists.read(&second).unwrap();
        assert_eq!(index, 1);
        let packages = packages_from_json_str("", lists.lists[index]).unwrap();
        assert_eq!(
            Snapshot {
                packages,
                ..snapshot
            },
            other
        );
    }

    /// Past the lists searched by their bytes, a node's list is read and found by hash.
    #[test]
    fn lists_beyond_the_byte_matched_ones_are_found_by_hash() {
        let local = base();
        let texts: Vec<String> = (0..BYTE_MATCHED_LISTS + 4)
            .map(|i| {
                let mut s = node(base(), &format!("n{i}"));
                s.packages[0].version = format!("1.{i}");
                serde_json::to_string(&s).unwrap()
            })
            .collect();
        let texts: Vec<String> = texts.iter().chain(texts.iter().rev()).cloned().collect();
        let opts = CompareOptions::default();
        let (expected, expected_reps) = by_full_parse(&local, &texts, &opts);
        let got = compare_node_texts(&local, &texts, |i| i.to_string(), &[], &opts).unwrap();
        assert_eq!(got.comparison, expected);
        assert_eq!(got.representatives, expected_reps);
        assert_eq!(got.comparison.groups.len(), BYTE_MATCHED_LISTS + 4);
    }
}
