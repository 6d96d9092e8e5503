//! Criterion benches for the Rust hot paths: the metadata reader, the scan, a pair
//! comparison and node grouping (on parsed snapshots and from JSON text).
//!
//! The inputs come from the Python fixture generator, through environment variables that
//! `benches/criterion_run.py` (part of `python3 benches/run_all.py`) sets:
//! - `GENEVARS_BENCH_SITE`: a synthetic site-packages tree (`benches/fixtures.py site DIR`);
//! - `GENEVARS_BENCH_SNAPSHOTS`: a directory with `local-5000.json`, `remote-5000.json`,
//!   `local-1000.json` and `variant-{1,2,3}-1000.json` (scanner output of such trees).
//!
//! Run alone: `GENEVARS_BENCH_SITE=... GENEVARS_BENCH_SNAPSHOTS=... cargo bench --bench core`.
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use genevars::compare::{
    compare_node_parts, compare_node_texts, compare_nodes, compare_pair, CompareOptions,
};
use genevars::snapshot::{self, Origin, Snapshot};

fn input_dir(var: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) => PathBuf::from(dir),
        None => panic!("{var} is not set: run `python3 benches/run_all.py --only criterion`, which generates the inputs"),
    }
}

fn load(dir: &Path, file: &str) -> Snapshot {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    snapshot::from_json_str(&path.display().to_string(), &text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The METADATA files of the tree, read into memory once (the reader is timed, not the disk).
fn metadata_texts(site: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(site).expect("read the fixture site") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "dist-info") {
            out.push(std::fs::read(path.join("METADATA")).expect("read METADATA"));
        }
    }
    out
}

fn metadata_reader(c: &mut Criterion) {
    let texts = metadata_texts(&input_dir("GENEVARS_BENCH_SITE"));
    let bytes: usize = texts.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("metadata");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(format!("parse {} METADATA files", texts.len()), |b| {
        b.iter(|| {
            for text in &texts {
                std::hint::black_box(snapshot::metadata::CoreMetadata::parse(text).ok());
            }
        })
    });
    group.finish();
}

fn scan(c: &mut Criterion) {
    let site = input_dir("GENEVARS_BENCH_SITE");
    let paths = vec![site.to_string_lossy().into_owned()];
    let mut group = c.benchmark_group("scan");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("scan_paths site-packages", |b| {
        b.iter(|| std::hint::black_box(snapshot::scan::scan_paths(&paths)))
    });
    group.finish();
}

fn compare(c: &mut Criterion) {
    let dir = input_dir("GENEVARS_BENCH_SNAPSHOTS");
    let text = std::fs::read_to_string(dir.join("local-5000.json")).expect("read local-5000.json");
    let (local, remote) = (
        load(&dir, "local-5000.json"),
        load(&dir, "remote-5000.json"),
    );
    let mut group = c.benchmark_group("compare");
    group.bench_function("load one 5,000-package snapshot (from_json_str)", |b| {
        b.iter(|| std::hint::black_box(snapshot::from_json_str("local-5000.json", &text).is_ok()))
    });
    // A process keeps each side's requirement check for its package list: the first two
    // lines do everything on every call, as a fresh `genevars diff` does; the last two are
    // the same calls again with the checks kept.
    std::env::set_var("GENEVARS_NO_CACHE", "1");
    group.bench_function("compare_pair 5,000 packages (parsed)", |b| {
        b.iter(|| std::hint::black_box(compare_pair(&local, &remote, &CompareOptions::default())))
    });
    // The requirement and rule checks compare_pair runs inside (a part of the line above).
    group.bench_function("of which deps::comparison_findings", |b| {
        b.iter(|| std::hint::black_box(genevars::deps::comparison_findings(&local, &remote, &[])))
    });
    std::env::remove_var("GENEVARS_NO_CACHE");
    group.bench_function("compare_pair 5,000 packages (parsed), checks kept", |b| {
        b.iter(|| std::hint::black_box(compare_pair(&local, &remote, &CompareOptions::default())))
    });
    group.bench_function("of which deps::comparison_findings, kept", |b| {
        b.iter(|| std::hint::black_box(genevars::deps::comparison_findings(&local, &remote, &[])))
    });
    group.finish();
}

fn grouping(c: &mut Criterion) {
    let dir = input_dir("GENEVARS_BENCH_SNAPSHOTS");
    let local = load(&dir, "local-1000.json");
    let variants: Vec<Snapshot> = std::iter::once(local.clone())
        .chain((1..=3).map(|k| load(&dir, &format!("variant-{k}-1000.json"))))
        .collect();
    // 1,000 nodes, each its own origin; 9 in 10 share the local environment.
    let nodes: Vec<Snapshot> = (0..1000)
        .map(|i| {
            let mut node = if i % 10 != 0 {
                variants[0].clone()
            } else {
                variants[1 + (i / 10) % 3].clone()
            };
            node.origin = Some(Origin {
                hostname: Some(format!("worker-{i:04}")),
                node_id: Some(format!("{i:056x}")),
                node_address: Some(format!("10.0.{}.{}", i / 250, i % 250 + 1)),
                pid: Some(1000 + i as u32),
            });
            node
        })
        .collect();
    // As the Python API gets them: JSON text, one document per node.
    let texts: Vec<String> = nodes
        .iter()
        .map(|n| serde_json::to_string(n).expect("serialize"))
        .collect();
    // As the Ray probes send them: each node's text without its package list, and the
    // distinct lists once.
    let lists: Vec<String> = variants
        .iter()
        .map(|v| serde_json::to_string(&v.packages).expect("serialize"))
        .collect();
    let (rests, list_of): (Vec<String>, Vec<usize>) = nodes
        .iter()
        .map(|n| {
            let mut rest = serde_json::to_value(n).expect("serialize");
            rest.as_object_mut().and_then(|r| r.remove("packages"));
            let list = serde_json::to_string(&n.packages).expect("serialize");
            let at = lists.iter().position(|l| *l == list).expect("a variant's list");
            (rest.to_string(), at)
        })
        .unzip();
    let name = |i: usize| format!("node {i}");
    let opts = CompareOptions::default();
    let from_text =
        compare_node_texts(&local, &texts, name, &[], &opts).expect("valid node snapshots");
    assert_eq!(
        from_text.comparison,
        compare_nodes(&local, &nodes, &[], &opts),
        "grouping from text differs"
    );
    let from_parts = compare_node_parts(&local, &rests, &lists, &list_of, name, &[], &opts)
        .expect("valid node snapshots");
    assert_eq!(
        from_parts.comparison, from_text.comparison,
        "grouping from parts differs"
    );
    let mut group = c.benchmark_group("grouping");
    group.sample_size(10);
    group.bench_function("compare_nodes 1,000 nodes x 1,000 packages (parsed)", |b| {
        b.iter(|| std::hint::black_box(compare_nodes(&local, &nodes, &[], &opts)))
    });
    group.bench_function(
        "compare_node_texts 1,000 nodes x 1,000 packages (from JSON)",
        |b| {
            b.iter(|| {
                std::hint::black_box(compare_node_texts(&local, &texts, name, &[], &opts).is_ok())
            })
        },
    );
    group.bench_function(
        "compare_node_parts 1,000 nodes x 1,000 packages (rests and 4 lists)",
        |b| {
            b.iter(|| {
                std::hint::black_box(
                    compare_node_parts(&local, &rests, &lists, &list_of, name, &[], &opts).is_ok(),
                )
            })
        },
    );
    group.finish();
}

criterion_group!(benches, metadata_reader, scan, compare, grouping);
criterion_main!(benches);
