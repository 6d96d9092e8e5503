"""(1) In process: the native scan vs importlib.metadata, same name -> version map.

Every side produces ``{PEP 503 name: version}`` for the first distribution of each name, and
the maps are checked equal before anything is timed. importlib's path cache is cleared
before each of its runs (``importlib.invalidate_caches()``), as in a fresh process; the page
cache is warm for all (every round reads the same files). The native sides include crossing
into Python and building the dict. Two native contenders: ``genevars.installed_versions``
(reads what importlib reads for the map: one metadata file per distribution) and the full
``_core.scan_paths`` a snapshot takes (also INSTALLER, direct_url.json, requirements).
Target: >= 20x at 1,000 and 5,000.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import re

from _harness import bench_args, emit, log, pairwise, ratio, row, summarize

_NORMALIZE = re.compile(r"[-_.]+")


def importlib_map(paths: list[str]) -> dict[str, str]:
    importlib.invalidate_caches()
    out: dict[str, str] = {}
    for dist in importlib.metadata.distributions(path=paths):
        meta = dist.metadata  # parse once; .version would parse again
        name = meta["Name"]
        if name:
            out.setdefault(_NORMALIZE.sub("-", name).lower(), meta["Version"])
    return out


def versions_map(paths: list[str]) -> dict[str, str]:
    from genevars import installed_versions

    return installed_versions(paths)


def native_map(paths: list[str]) -> dict[str, str]:
    from genevars import _core

    scanned = _core.scan_paths(paths)
    if isinstance(scanned, (str, bytes)):
        scanned = json.loads(scanned)
    packages = scanned["packages"] if isinstance(scanned, dict) else scanned
    return {p["name"]: p["version"] for p in packages}


def probe_map(paths: list[str], use_native: bool) -> dict[str, str]:
    """The stdlib probe (what runs on workers without genevars), for information."""
    from genevars import _core, _probe

    snap = _probe.take_snapshot(
        {"paths": paths, "secret_rules": _core.secret_rules(), "use_native": use_native, "fingerprint_key": None,
         "reveal_values": False, "origin": None}
    )
    return {p["name"]: p["version"] for p in snap["packages"]}


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    rows, details = [], {}
    for n in (1000, 5000):
        paths = [str(args.work / f"site-{n}")]
        expected = importlib_map(paths)
        for label, native in (("installed_versions", versions_map), ("scan_paths", native_map)):
            got = native(paths)
            if got != expected:
                missing = sorted(set(expected) - set(got))[:5]
                wrong = sorted(k for k in expected if k in got and got[k] != expected[k])[:5]
                raise SystemExit(f"{label} map differs from importlib at {n}: missing {missing}, versions differ {wrong}")
        contenders = {
            "importlib.metadata": lambda: importlib_map(paths),
            "native installed_versions": lambda: versions_map(paths),
            "native scan_paths": lambda: native_map(paths),
        }
        try:
            if probe_map(paths, use_native=False) == expected:
                contenders["stdlib probe (python scanner)"] = lambda: probe_map(paths, use_native=False)
            else:
                log("stdlib probe map differs from importlib; not timed")
        except Exception as exc:  # the probe may not have landed yet
            log(f"stdlib probe not timed: {exc!r}")
        log(f"scan {n}: {len(expected)} distributions, {args.runs} rounds")
        samples = pairwise(contenders, args.runs)
        s = summarize(samples)
        r = ratio(samples, "importlib.metadata", "native installed_versions")
        full = ratio(samples, "importlib.metadata", "native scan_paths")
        details[f"site-{n}"] = {"summary": s, "ratio": r, "ratio_full_scan": full}
        importlib_ms = s["importlib.metadata"]["median_ms"]
        rows.append(row(f"1.{n}", f"native name -> version map (`installed_versions`) of {n:,} dists: times faster "
                        f"than importlib.metadata ({importlib_ms:.1f} ms vs "
                        f"{s['native installed_versions']['median_ms']:.2f} ms)",
                        ">= 20x", r["of_medians"], "x", r["of_medians"] >= 20))
        rows.append(row(f"1.{n}f", f"full native scan (`scan_paths`: every snapshot field, also INSTALLER, "
                        f"direct_url.json, requirements) of {n:,} dists: times faster than importlib.metadata "
                        f"({importlib_ms:.1f} ms vs {s['native scan_paths']['median_ms']:.2f} ms)",
                        ">= 20x", full["of_medians"], "x", full["of_medians"] >= 20))
        if "stdlib probe (python scanner)" in s:
            rows.append(row(f"1.{n}p", f"stdlib probe, python scanner, {n:,} dists (full snapshot)", "(info)",
                            s["stdlib probe (python scanner)"]["median_ms"], "ms", None))
    emit(rows, details)


if __name__ == "__main__":
    main()
