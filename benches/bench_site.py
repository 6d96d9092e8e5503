"""(8) Shipping the local environment: ``create_site()`` packing what differs, and its upload.

The environment is a 300-distribution site-packages tree made by ``fixtures.make_site``
whose RECORD files are then written out at the sizes RECORD lists (Python-like text), so
packing reads and compresses real bytes. The workers' side is the same environment with 10
distributions missing and 20 at another version; ``compare_snapshots`` of the two gives the
comparison that ``plan_site`` (what ``Manifest.create_site(...).to_runtime_env(comparison)``
runs) limits the shipment with.

Packing, in this process, median of ``--runs`` rounds:

- *cold*: an empty genevars cache (``XDG_CACHE_HOME``): RECORD read, content hashed, zipped,
  unpacked into the content-addressed folder;
- *warm*: the same cache again (content hashed, folder found, nothing packed);
- *everything, cold*: no comparison, so every distribution goes, for scale.

Upload, on a fresh one-node ``ray.cluster_utils.Cluster`` (127.0.0.1, no dashboard) per
round: wall time from ``ray.init(address=..., runtime_env={"py_modules": plan.py_modules})``
to the return of the first task, which imports every shipped package and checks its
version; beside it the same with no runtime_env (*baseline*), and a second job with the
same py_modules (*warm*: Ray finds the packages in the GCS and on the node). Each round runs
in a new driver process, as a new job would.

    python benches/bench_site.py [--work DIR] [--runs 5] [--upload-runs 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import inspect
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fixtures  # noqa: E402

COUNT = 300
MISSING = 10
OTHER_VERSION = 20
SEED = 7
MB = 1024 * 1024


# --- the environment ------------------------------------------------------------------


def materialize(site: Path, seed: int) -> int:
    """Write every file a RECORD lists and the tree lacks, at its listed size; return the
    bytes written. The text is Python-like, so it compresses as source does (~3-4x)."""
    rng = random.Random(seed)
    words = fixtures.WORDS + ["def", "return", "self", "import", "class", "None", "if", "else", "for", "in"]
    corpus = " ".join(rng.choice(words) + ("\n    " if rng.random() < 0.12 else "") for _ in range(400_000))
    written = 0
    for record in sorted(site.glob("*.dist-info/RECORD")):
        with open(record, newline="", encoding="utf-8") as fh:
            rows = [row for row in csv.reader(fh) if row]
        for row in rows:
            rel, size = row[0], row[2] if len(row) > 2 else ""
            path = site / rel
            if not size or path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            start = rng.randrange(0, len(corpus) - int(size) - 1)
            path.write_text(f"# {rel}\n" + corpus[start:start + int(size)], encoding="utf-8")
            written += int(size)
    return written


def environment(work: Path) -> Path:
    """The 300-distribution tree, made once per generator version and reused."""
    source = Path(fixtures.__file__).read_bytes() + inspect.getsource(materialize).encode()
    key = hashlib.sha256(source).hexdigest()[:16]
    site = work / f"site-pack-{COUNT}"
    mark = work / f".site-pack-{COUNT}.stamp"
    if site.is_dir() and mark.exists() and mark.read_text() == key:
        return site
    shutil.rmtree(site, ignore_errors=True)
    print(f"generating {site} ({COUNT} distributions, files at their RECORD sizes)", file=sys.stderr)
    fixtures.make_site(site, COUNT, seed=SEED)
    materialize(site, SEED)
    mark.write_text(key)
    return site


def comparison_with_workers(local: dict) -> tuple:
    """The comparison against workers lacking MISSING distributions and holding
    OTHER_VERSION others at another version (dist-info ones: what pip leaves)."""
    from genevars import compare_snapshots

    remote = json.loads(json.dumps(local))
    candidates = sorted(p["name"] for p in local["packages"] if p.get("kind") == "dist-info" and not p.get("direct_url"))
    rng = random.Random(SEED)
    chosen = rng.sample(candidates, MISSING + OTHER_VERSION)
    missing, older = set(chosen[:MISSING]), set(chosen[MISSING:])
    remote["packages"] = [p for p in remote["packages"] if p["name"] not in missing]
    for p in remote["packages"]:
        if p["name"] in older:
            p["version"] = "0.0.1"
    return compare_snapshots(local, remote), missing | older


# --- packing --------------------------------------------------------------------------


def plan_in(cache: Path, comparison, local):
    from genevars._site import plan_site

    os.environ["XDG_CACHE_HOME"] = str(cache)
    return plan_site(comparison, local=local)


def packing(work: Path, comparison, local, differing: set, runs: int) -> dict:
    cold, cold_cpu, warm, everything = [], [], [], []
    plan = None
    for r in range(runs):
        cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
        start, cpu = time.perf_counter(), time.process_time()
        plan = plan_in(cache, comparison, local)
        cold.append(time.perf_counter() - start)
        cold_cpu.append(time.process_time() - cpu)
        start = time.perf_counter()
        again = plan_in(cache, comparison, local)
        warm.append(time.perf_counter() - start)
        assert again.py_modules == plan.py_modules
        shutil.rmtree(cache)
        cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
        start = time.perf_counter()
        whole = plan_in(cache, None, local)
        everything.append(time.perf_counter() - start)
        shutil.rmtree(cache)
    shipped = {d.name for d in plan.shipped}
    assert shipped == differing, (sorted(shipped ^ differing), plan.refused)
    return {
        "shipped": len(plan.shipped),
        "already_on_workers": len(plan.already_on_workers),
        "py_modules_entries": len(plan.py_modules),
        "shipped_bytes": plan.total_bytes,
        "everything_shipped": len(whole.shipped),
        "everything_bytes": whole.total_bytes,
        "everything_refused": len(whole.refused),
        "cold_s": cold,
        "cold_cpu_s": cold_cpu,
        "warm_s": warm,
        "everything_cold_s": everything,
        "summary": plan.summary(),
    }


# --- upload ---------------------------------------------------------------------------


def first_task(address: str, runtime_env, expected: dict) -> float:
    """Seconds from ray.init to the return of a task importing every shipped package."""
    import ray

    @ray.remote(num_cpus=0)
    def imports(names):
        import importlib

        return {name: importlib.import_module(name).__version__ for name in names}

    start = time.perf_counter()
    ray.init(address=address, runtime_env=runtime_env, logging_level="ERROR", log_to_driver=False)
    try:
        got = ray.get(imports.remote(sorted(expected)), timeout=600)
        elapsed = time.perf_counter() - start
    finally:
        ray.shutdown()
    assert got == expected, (got, expected)
    return elapsed


def upload_round(spec: dict) -> dict:
    """One fresh cluster: baseline, first job (upload), second job. Run in a child process
    per round: a driver process remembers what it uploaded and would not upload again to
    the next cluster."""
    from ray.cluster_utils import Cluster

    runtime_env = {"py_modules": spec["py_modules"]}
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"node_ip_address": "127.0.0.1", "num_cpus": 1, "include_dashboard": False,
                        "object_store_memory": 80 * MB},
    )
    try:
        cluster.wait_for_nodes()
        return {
            "baseline_s": first_task(cluster.address, None, {}),
            "cold_s": first_task(cluster.address, runtime_env, spec["modules"]),
            "warm_s": first_task(cluster.address, runtime_env, spec["modules"]),
        }
    finally:
        cluster.shutdown()


def upload(work: Path, plan, runs: int) -> dict:
    modules = {}
    for dist in plan.shipped:
        for entry in dist.py_modules:
            if Path(entry).is_dir() and not entry.endswith((".dist-info", ".egg-info")):
                modules[Path(entry).name] = dist.version
    spec = work / "upload-spec.json"
    spec.write_text(json.dumps({"py_modules": plan.py_modules, "modules": modules}))
    rounds = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, __file__, "--upload-round", str(spec)],
                              check=True, capture_output=True, text=True, timeout=1200)
        rounds.append(json.loads(done.stdout.strip().splitlines()[-1]))
    out = {key: [r[key] for r in rounds] for key in ("baseline_s", "cold_s", "warm_s")}
    return dict(out, imported_packages=len(modules))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "genevars-bench",
                        help="where the environment is made and reused (default $TMPDIR/genevars-bench)")
    parser.add_argument("--runs", type=int, default=5, help="packing rounds (default 5)")
    parser.add_argument("--upload-runs", type=int, default=3, help="fresh clusters for the upload (default 3)")
    parser.add_argument("--json", type=Path, help="write every sample here")
    parser.add_argument("--upload-round", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.pop("RAY_ADDRESS", None)
    if args.upload_round:
        print(json.dumps(upload_round(json.loads(args.upload_round.read_text()))))
        return
    args.work.mkdir(parents=True, exist_ok=True)

    from genevars import snapshot_env

    site = environment(args.work)
    local = snapshot_env([str(site)]).to_dict()
    comparison, differing = comparison_with_workers(local)
    pack = packing(args.work, comparison, local, differing, args.runs)
    med = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    print(f"environment: {COUNT} distributions in {site}; workers lack {MISSING}, hold {OTHER_VERSION} at another version")
    print(f"plan: {pack['summary']} ({pack['py_modules_entries']} py_modules entries)")
    print(f"pack the differing subset, cold cache: {med(pack['cold_s']):.0f} ms, "
          f"CPU {med(pack['cold_cpu_s']):.0f} ms (median of {args.runs})")
    print(f"pack the differing subset, warm cache: {med(pack['warm_s']):.0f} ms")
    print(f"pack everything ({pack['everything_shipped']} shipped, {pack['everything_bytes'] / 1e6:.1f} MB, "
          f"{pack['everything_refused']} refused), cold cache: {med(pack['everything_cold_s']):.0f} ms", flush=True)
    # The upload ships what a cold plan made, from a cache that stays for the whole run.
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=args.work))
    try:
        plan = plan_in(cache, comparison, local)
        up = upload(args.work, plan, args.upload_runs) if args.upload_runs else {}
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if up:
        print(f"first task, no runtime_env: {med(up['baseline_s']):.0f} ms (median of {args.upload_runs} fresh clusters)")
        print(f"first task importing the {up['imported_packages']} shipped packages, first job (upload): {med(up['cold_s']):.0f} ms")
        print(f"same, second job (packages already in the GCS and on the node): {med(up['warm_s']):.0f} ms")
    if args.json:
        args.json.write_text(json.dumps({"packing": pack, "upload": up}, indent=2))


if __name__ == "__main__":
    main()
