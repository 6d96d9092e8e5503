"""Run every genevars benchmark and write the results table.

    python3 benches/run_all.py                 # set up, build (release), run all, write bench-results/
    python3 benches/run_all.py --update-doc    # ... and refresh the table in BENCHMARKS.md
    python3 benches/run_all.py --only scan,compare --runs 9

Setup is part of the command, so nothing is installed by hand: a tool venv (WORK/toolvenv)
gets uv, ray and maturin from PyPI, genevars is built into it with ``maturin develop --release``,
the geneva 0.17.0 wheel is downloaded (``pip download --no-deps``) and only its
``geneva/runners/ray/compare_env.py`` is unpacked into WORK/geneva (never committed), and the
synthetic site-packages trees and venvs are generated under WORK (default
``$TMPDIR/genevars-bench``). Each benchmark script runs in the tool venv and prints JSON.
Benchmarks are not tests: CI never runs them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import fixtures  # noqa: E402
from _harness import machine_info  # noqa: E402

BENCHES = ["scan", "cli", "import", "compare", "rss", "ray", "criterion"]
GENEVA = "geneva==0.17.0"
GENEVA_MEMBER = "geneva/runners/ray/compare_env.py"
TOOLS = ["uv", "ray>=2.9", "maturin>=1.5,<2"]
SIZES = (1000, 5000)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(argv: list, **kw) -> subprocess.CompletedProcess:
    log("$ " + " ".join(str(a) for a in argv))
    return subprocess.run([str(a) for a in argv], check=True, **kw)


def setup_toolvenv(work: Path) -> Path:
    venv = work / "toolvenv"
    py = venv / "bin" / "python"
    if not py.exists():
        sh([sys.executable, "-m", "venv", venv])
    sh([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", *TOOLS])
    return py


def build_genevars(py: Path) -> None:
    """Release build of the extension into the tool venv (what users get from a wheel)."""
    env = dict(os.environ, VIRTUAL_ENV=str(py.parent.parent))
    env["PATH"] = f"{py.parent}{os.pathsep}{env.get('PATH', '')}"
    sh([py.parent / "maturin", "develop", "--release", "-q"], cwd=REPO, env=env)


def fetch_geneva(py: Path, work: Path) -> Path:
    dest = work / "geneva" / GENEVA_MEMBER
    if dest.exists():
        return dest
    with tempfile.TemporaryDirectory() as tmp:
        sh([py, "-m", "pip", "download", "-q", "--no-deps", "--disable-pip-version-check", GENEVA, "-d", tmp])
        (wheel,) = Path(tmp).glob("geneva-*.whl")
        with zipfile.ZipFile(wheel) as zf:
            zf.extract(GENEVA_MEMBER, work / "geneva")
    return dest


def make_fixtures(work: Path) -> None:
    """Generate (or reuse, when the generator is unchanged) the trees and venvs."""
    stamp = hashlib.sha256((HERE / "fixtures.py").read_bytes()).hexdigest()[:16]
    for n in SIZES:
        for kind in ("site", "venv"):
            dest = work / f"{kind}-{n}"
            mark = work / f".{kind}-{n}.stamp"
            if dest.exists() and mark.exists() and mark.read_text() == stamp:
                continue
            shutil.rmtree(dest, ignore_errors=True)
            log(f"generating {dest} ({n} distributions)")
            if kind == "site":
                fixtures.make_site(dest, n)
            else:
                fixtures.make_venv(dest, n)
            mark.write_text(stamp)


def bench_env() -> dict:
    """The environment of every measured process: bytecode caches on, as after a pip install
    (PYTHONDONTWRITEBYTECODE would make each import compile its sources again)."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "RAY_ADDRESS")}


def compile_bytecode(py: Path) -> None:
    """pip compiles a wheel's modules on install; the editable build must match that."""
    sh([py, "-m", "compileall", "-q", REPO / "python" / "genevars"], env=bench_env())


def run_bench(py: Path, name: str, work: Path, runs: int) -> dict:
    script = HERE / ("criterion_run.py" if name == "criterion" else f"bench_{name}.py")
    log(f"running {script.name}")
    started = time.time()
    proc = subprocess.run(
        [str(py), str(script), "--work", str(work), "--runs", str(runs)],
        stdout=subprocess.PIPE, text=True, cwd=REPO, env=bench_env(),
    )
    if proc.returncode != 0:
        return {"rows": [], "error": f"{script.name} exited {proc.returncode} (see stderr above)"}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["seconds"] = round(time.time() - started, 1)
    return out


def fmt_value(r: dict) -> str:
    v = r.get("value")
    if v is None:
        return "n/a"
    return f"{v:,.2f} {r['unit']}" if isinstance(v, float) else f"{v:,} {r['unit']}"


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m.get('cpu', '?')}, {m['cpus']} CPUs, {m.get('mem_total', '?')} RAM, {m['platform']}, "
        f"Python {m['python']}. Run at {m['time_utc']} UTC; load average before: "
        f"{' / '.join(f'{x:.2f}' for x in m['loadavg'])}, after: "
        f"{' / '.join(f'{x:.2f}' for x in results['loadavg_after'])}. Runs per measurement: {results['runs']}.",
        f"Tools: {', '.join(f'{k} {v}' for k, v in results['tool_versions'].items())}.",
        "",
        "| # | measurement | target | result | met |",
        "|---|---|---|---|---|",
    ]
    for bench in results["benches"].values():
        for r in bench.get("rows", []):
            met = {True: "yes", False: "**no**", None: "(info)"}[r["met"]]
            lines.append(f"| {r['id']} | {r['what']} | {r['target']} | {fmt_value(r)} | {met} |")
    errors = [f"- {name}: {b['error']}" for name, b in results["benches"].items() if b.get("error")]
    if errors:
        lines += ["", "Benchmarks that did not run:", *errors]
    return "\n".join(lines) + "\n"


def tool_versions(py: Path) -> dict:
    code = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        "for n in ('genevars', 'ray', 'uv', 'pip'):\n"
        "    try: out[n] = m.version(n)\n"
        "    except Exception: out[n] = None\n"
        "print(json.dumps(out))\n"
    )
    return json.loads(subprocess.run([str(py), "-c", code], capture_output=True, text=True, check=True).stdout)


def update_doc(table: str) -> None:
    doc = REPO / "BENCHMARKS.md"
    text = doc.read_text()
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(f"{head}{start}\n{table}{end}{tail}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the genevars benchmarks.")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "genevars-bench",
                        help="where fixtures, the tool venv and geneva go (default $TMPDIR/genevars-bench)")
    parser.add_argument("--runs", type=int, default=7, help="rounds per measurement (>= 5; default 7)")
    parser.add_argument("--only", default=",".join(BENCHES), help=f"comma-separated subset of {','.join(BENCHES)}")
    parser.add_argument("--skip-setup", action="store_true", help="reuse the tool venv and build as they are")
    parser.add_argument("--update-doc", action="store_true", help="write the table into BENCHMARKS.md")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5 (medians over at least 5 runs)")
    only = [b for b in args.only.split(",") if b]
    unknown = set(only) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(BENCHES)}")

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    py = work / "toolvenv" / "bin" / "python"
    if not args.skip_setup:
        py = setup_toolvenv(work)
        build_genevars(py)
    compile_bytecode(py)
    fetch_geneva(py, work)
    make_fixtures(work)

    results = {"machine": machine_info(), "runs": args.runs, "tool_versions": tool_versions(py), "benches": {}}
    for name in only:
        results["benches"][name] = run_bench(py, name, work, args.runs)
    results["loadavg_after"] = os.getloadavg()

    out_dir = REPO / "bench-results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (out_dir / "results.md").write_text(table)
    if args.update_doc:
        update_doc(table)
    print(table)
    return 0 if all(not b.get("error") for b in results["benches"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
