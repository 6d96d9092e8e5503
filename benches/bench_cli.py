"""(2) Whole process: genevars snapshot --python VENV vs uv pip list and pip list.

Each round runs the commands once (rotating order) against the same venv: venvs made by
``python -m venv`` whose site-packages hold pip, setuptools and N synthetic distributions,
and a real venv (``REAL_PACKAGES`` and their dependencies, ~230 distributions, installed
from the package index by uv once and kept in WORK/venv-real). Output goes to /dev/null
(genevars via ``-o /dev/null``, the others' stdout discarded). pip runs with
``--disable-pip-version-check`` so that no round waits on the network. Before timing, the
package sets are checked to agree.
Targets: genevars / uv <= 1.0; pip / genevars >= 10; the importlib.metadata one-liner
(a whole ``python -c`` printing the name -> version map of the site-packages, as a user's
script would) / ``genevars snapshot --path`` of the 5,000-distribution venv >= 10.

Like uv, genevars keeps what the venv's interpreter said about itself (sys.path, markers,
platform) between runs, and uses it while nothing it depends on has changed; the warm-up
round fills both tools' caches, as on any machine where they have run before. For
information, the same command with ``GENEVARS_NO_CACHE=1`` (the first run, or one after the
venv changed: the interpreter describes itself while the scan runs), and
``genevars snapshot --path SITE-PACKAGES`` (the same scan and file, no interpreter asked).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from _harness import bench_args, emit, log, pairwise, ratio, row, run_cmd, summarize
from fixtures import venv_site_packages


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


#: The real venv: a data-science and MLOps environment as a Ray driver has one.
REAL_PACKAGES = [
    "pandas", "scipy", "scikit-learn", "xgboost", "pydantic", "pyarrow", "mlflow", "jupyterlab", "boto3",
    "matplotlib", "seaborn", "statsmodels", "lightgbm", "polars", "plotly", "dask[distributed]", "ray[default]",
    "transformers", "datasets", "httpx", "fastapi", "uvicorn", "numba", "black", "pytest",
]

ONE_LINER = (
    "import importlib.metadata as m, json, sys; "
    "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions(path=[sys.argv[1]])}))"
)


def real_venv(work: Path, uv: Path) -> Path:
    """WORK/venv-real, made once (``python -m venv``, then ``uv pip install REAL_PACKAGES``)
    and reused while the list is the same."""
    venv = work / "venv-real"
    mark = work / ".venv-real.stamp"
    wanted = " ".join(REAL_PACKAGES)
    if venv.exists() and mark.exists() and mark.read_text() == wanted:
        return venv
    log(f"installing the real venv from the package index: {wanted}")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(uv), "pip", "install", "-q", "--python", str(venv / "bin" / "python"), *REAL_PACKAGES],
                   check=True)
    mark.write_text(wanted)
    return venv


def commands(tool_bin: Path, uv: Path, venv: Path) -> dict[str, list[str]]:
    py = str(venv / "bin" / "python")
    return {
        "genevars snapshot": [str(tool_bin / "genevars"), "snapshot", "--python", py, "-o", "/dev/null"],
        "uv pip list": [str(uv), "pip", "list", "--python", py, "--format", "json"],
        "pip list": [py, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
        "genevars snapshot --path": [str(tool_bin / "genevars"), "snapshot", "--path",
                                     str(venv_site_packages(venv)), "-o", "/dev/null"],
        "importlib one-liner": [sys.executable, "-c", ONE_LINER, str(venv_site_packages(venv))],
    }


def check_same_packages(cmds: dict[str, list[str]], tmp: Path) -> int:
    snap_file = tmp / "cli-check.json"
    subprocess.run(cmds["genevars snapshot"][:-1] + [str(snap_file)], check=True, stdout=subprocess.DEVNULL)
    ours = {p["name"]: p["version"] for p in json.loads(snap_file.read_text())["packages"]}
    for tool in ("uv pip list", "pip list"):
        out = subprocess.run(cmds[tool], check=True, capture_output=True, text=True).stdout
        theirs = {norm(p["name"]): p["version"] for p in json.loads(out)}
        # genevars also sees what sits on sys.path outside site-packages (none in a fresh venv).
        missing = set(theirs) - set(ours)
        wrong = [k for k in theirs if k in ours and ours[k] != theirs[k]]
        if missing or wrong:
            raise SystemExit(f"{tool} and genevars disagree: missing {sorted(missing)[:5]}, versions {wrong[:5]}")
    return len(ours)


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    tool_bin = Path(sys.executable).parent
    # uv from the tool venv when this interpreter's venv (another genevars build) has none.
    uv = tool_bin / "uv" if (tool_bin / "uv").exists() else args.work / "toolvenv" / "bin" / "uv"
    no_cache = {**os.environ, "GENEVARS_NO_CACHE": "1"}
    rows, details = [], {}
    for n in (1000, 5000, "real"):
        venv = real_venv(args.work, uv) if n == "real" else args.work / f"venv-{n}"
        cmds = commands(tool_bin, uv, venv)
        count = check_same_packages(cmds, args.work)
        log(f"cli {n}: {count} packages, {args.runs} rounds")
        size = f"real {count}-dist" if n == "real" else f"{n:,}-dist"
        thunks = {name: run_cmd(argv) for name, argv in cmds.items()}
        thunks["genevars snapshot, no cache"] = run_cmd(cmds["genevars snapshot"], no_cache)
        cmds["genevars snapshot, no cache"] = ["GENEVARS_NO_CACHE=1", *cmds["genevars snapshot"]]
        samples = pairwise(thunks, args.runs)
        s = summarize(samples)
        vs_uv = ratio(samples, "genevars snapshot", "uv pip list")  # genevars time / uv time
        vs_pip = ratio(samples, "pip list", "genevars snapshot")
        details[f"venv-{n}"] = {"summary": s, "genevars_over_uv": vs_uv, "pip_over_genevars": vs_pip,
                                "commands": {k: " ".join(v) for k, v in cmds.items()}}
        g, u, p, only_scan, cold, one_liner = (
            s[k]["median_ms"] for k in ("genevars snapshot", "uv pip list", "pip list", "genevars snapshot --path",
                                        "genevars snapshot, no cache", "importlib one-liner"))
        vs_importlib = ratio(samples, "importlib one-liner", "genevars snapshot --path")
        details[f"venv-{n}"]["importlib_over_genevars_path"] = vs_importlib
        rows.append(row(f"2.{n}u", f"`genevars snapshot --python` / `uv pip list`, {size} venv "
                        f"({g:.1f} ms vs {u:.1f} ms)", "<= 1.0", vs_uv["of_medians"], "", vs_uv["of_medians"] <= 1.0))
        rows.append(row(f"2.{n}p", f"`pip list` / `genevars snapshot --python`, {size} venv "
                        f"({p:.0f} ms vs {g:.1f} ms)", ">= 10x", vs_pip["of_medians"], "x", vs_pip["of_medians"] >= 10))
        rows.append(row(f"2.{n}s", f"`genevars snapshot --path` its site-packages, {size} venv "
                        "(no second interpreter)", "(info)", only_scan, "ms", None))
        target_met = (">= 10x", vs_importlib["of_medians"] >= 10) if n == 5000 else ("(info)", None)
        rows.append(row(f"2.{n}i", f"importlib.metadata one-liner (whole process) / `genevars snapshot --path`, "
                        f"{size} venv ({one_liner:.0f} ms vs {only_scan:.1f} ms)", target_met[0],
                        vs_importlib["of_medians"], "x", target_met[1]))
        rows.append(row(f"2.{n}c", f"`genevars snapshot --python`, {size} venv, `GENEVARS_NO_CACHE=1` "
                        "(the interpreter describes itself)", "(info)", cold, "ms", None))
    emit(rows, details)


if __name__ == "__main__":
    main()
