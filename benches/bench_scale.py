"""(6) A 10,000-node comparison on the driver: seconds, peak RSS, groups.

Drives the code path a Ray comparison takes from the probes' answers onward, without Ray:
each node answers what ``_ray._make_probe_task`` returns with ``as_json`` (the snapshot
without its package list as compact JSON text, and the list's digest), the driver holds one
copy of each distinct package list (what ``_ray._fetch_package_lists`` fetches), and
``compare_node_parts`` groups and compares them (``_core.compare_nodes`` with
``package_lists``), as ``compare_ray_environments`` does after ``Probes.collect_parts``.
``--joined`` measures the path of whole texts instead: each node's text joined to its list
and given to ``compare_node_snapshots``.

The nodes are shaped like KubeRay pods: about 120 variables (Ray's, Kubernetes', the
image's), 1,000 packages of about 580 bytes each, 3 images (package lists differing in a
few versions), and per-pod variables set through the downward API (``POD_IP``,
``POD_NAME``) plus a token-like per-pod variable (``POD_TOKEN``): per-node noise the
comparison must learn. Each size runs in a fresh process, so its peak RSS
(``ru_maxrss``) is its own.

    python benches/bench_scale.py                 # 1,000 / 5,000 / 10,000 nodes
    python benches/bench_scale.py --one 10000     # one size, one JSON line
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time

from genevars import _core
from genevars._compare import compare_node_parts, compare_node_snapshots

IMAGES = 3
PACKAGES = 1000
SIZES = (1000, 5000, 10000)
COMPACT = (",", ":")
SITE = "/home/ray/anaconda3/lib/python3.11/site-packages"


def package_list(image: int) -> str:
    """An image's package list as compact JSON: the same 1,000 names, a few versions apart."""
    rng = random.Random(42)
    names = [f"pkg-{i:04d}-{rng.choice(['core', 'utils', 'client', 'io', 'ml'])}" for i in range(PACKAGES)]
    packages = []
    for i, name in enumerate(names):
        version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
        if i % 97 == 0 and image:
            version = f"{version}.post{image}"
        packages.append(
            {
                "name": name,
                "display_name": name,
                "version": version,
                "location": SITE,
                "metadata_path": f"{SITE}/{name.replace('-', '_')}-{version}.dist-info",
                "kind": "dist-info",
                "installer": "pip",
                "direct_url": None,
                "requires_dist": [f"{names[(i * 7 + 1) % PACKAGES]}>=0.0", f"{names[(i * 3 + 2) % PACKAGES]}; python_version < \"3.8\""],
                "provides_extra": ["test"] if i % 5 == 0 else [],
                "requires_python": ">=3.9",
            }
        )
    packages.sort(key=lambda p: p["name"])
    return json.dumps(packages, separators=COMPACT)


def rest_of(base: dict, image: int, node: int) -> str:
    """One pod's answer without its package list."""
    snap = dict(base)
    env = dict(base["env"])
    env.update(
        POD_IP=f"10.{node // 65536}.{(node // 256) % 256}.{node % 256}",
        POD_NAME=f"raycluster-worker-{image}-{hashlib.sha1(str(node).encode()).hexdigest()[:5]}",
        POD_TOKEN=hashlib.sha256(f"token-{node}".encode()).hexdigest(),
        HOSTNAME=f"raycluster-worker-{node}",
        MY_POD_IP=f"10.{node // 65536}.{(node // 256) % 256}.{node % 256}",
        RAY_NODE_ID=hashlib.sha256(str(node).encode()).hexdigest()[:56],
        IMAGE_TAG=f"rayproject/ray:2.40.0-image{image}",
    )
    snap["env"] = env
    snap["origin"] = {
        "node_id": hashlib.sha256(f"node{node}".encode()).hexdigest()[:56],
        "node_address": f"10.{node // 65536}.{(node // 256) % 256}.{node % 256}",
        "hostname": f"raycluster-worker-{node}",
    }
    return json.dumps(snap, separators=COMPACT)


def base_snapshot() -> dict:
    """This machine's snapshot without packages, with ~120 variables like a KubeRay pod's."""
    from genevars import _probe

    snap, _ = _probe.take_snapshot_parts({"secret_rules": _core.secret_rules()})
    env = {k: v for k, v in snap["env"].items() if not k.startswith(("POD_", "MY_POD"))}
    rng = random.Random(7)
    for i in range(120 - len(env)):
        prefix = rng.choice(["KUBERNETES_SERVICE_", "RAY_", "APP_", "LD_", "NCCL_", "KUBERAY_"])
        env[f"{prefix}VAR_{i}"] = f"value-{i}"
    snap["env"] = env
    return snap


def one(nodes: int, joined: bool = False) -> dict:
    base = base_snapshot()
    lists = {}
    for image in range(IMAGES):
        text = package_list(image)
        lists[hashlib.sha256(text.encode()).hexdigest()] = text
    digests = list(lists)
    # Most pods run the first image; a few run the others.
    image_of = [0 if n % 100 < 90 else (1 if n % 100 < 97 else 2) for n in range(nodes)]
    answers = {f"node{n}": (rest_of(base, image_of[n], n), digests[image_of[n]]) for n in range(nodes)}
    local = dict(base, packages=json.loads(lists[digests[0]]))
    local_text = json.dumps(local, separators=COMPACT)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if joined:
        texts = [f"{rest[:-1]},\"packages\":{lists[digest]}}}" for rest, digest in answers.values()]
        split = time.perf_counter()
        result = compare_node_snapshots(local_text, texts)
    else:
        # What Probes.collect_parts returns once _fetch_package_lists has the distinct lists.
        index = {digest: i for i, digest in enumerate(lists)}
        rests = [rest for rest, _ in answers.values()]
        list_of = [index[digest] for _, digest in answers.values()]
        split = time.perf_counter()
        result = compare_node_parts(local_text, rests, list(lists.values()), list_of)
    end = time.perf_counter()
    text_report = result.report()
    return {
        "nodes": nodes,
        "seconds": round(end - start, 3),
        "path": "joined" if joined else "parts",
        "compare_seconds": round(end - split, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "input_rss_mb": round(rss_before / 1024, 1),
        "groups": len(result.groups),
        "per_node": sorted(f["subject"] for f in result.findings if f["code"] == "per_node"),
        "findings": len(result.findings),
        "report_lines": text_report.count("\n"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", type=int, help="measure one size in this process")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--joined", action="store_true", help="join each node's whole text first (the former path)")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.joined)))
        return 0
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--joined"] if args.joined else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows.append(json.loads(out.stdout))
        print(json.dumps(rows[-1]), flush=True)
    first = rows[0]
    for r in rows[1:]:
        print(f"{r['nodes']} nodes: {r['seconds'] / first['seconds']:.1f}x the time of {first['nodes']}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, cpus: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
