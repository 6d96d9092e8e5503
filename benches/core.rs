//! Criterion benches for the Rust hot paths: the metadata reader, the scan, a pair
//! comparison and node grouping.
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
use genevars::compare::{compare_nodes, compare_pair, CompareOptions};
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
    snapshot::from_json_str(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
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
    let (local, remote) = (load(&dir, "local-5000.json"), load(&dir, "remote-5000.json"));
    c.bench_function("compare_pair 5,000 packages (parsed)", |b| {
        b.iter(|| std::hint::black_box(compare_pair(&local, &remote, &CompareOptions::default())))
    });
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
            let mut node = if i % 10 != 0 { variants[0].clone() } else { variants[1 + (i / 10) % 3].clone() };
            node.origin = Some(Origin {
                hostname: Some(format!("worker-{i:04}")),
                node_id: Some(format!("{i:056x}")),
                node_address: Some(format!("10.0.{}.{}", i / 250, i % 250 + 1)),
                pid: Some(1000 + i as u32),
            });
            node
        })
        .collect();
    let mut group = c.benchmark_group("grouping");
    group.sample_size(10);
    group.bench_function("compare_nodes 1,000 nodes x 1,000 packages (parsed)", |b| {
        b.iter(|| std::hint::black_box(compare_nodes(&local, &nodes, &[], &CompareOptions::default())))
    });
    group.finish();
}

criterion_group!(benches, metadata_reader, scan, compare, grouping);
criterion_main!(benches);
