"""The requirement check and the closure against pip itself, on a real virtualenv.

The venv is built once per session: `requests` and `pytest` installed from PyPI, then broken
on purpose (`pip install --no-deps` an urllib3 that requests excludes, and idna removed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import genevars
from genevars import check_requirements, minimal_requirements

pytestmark = pytest.mark.timeout(600)

PIP_FLAGS = ["--disable-pip-version-check", "--no-input", "-q"]


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pip(python: Path, *args: str) -> str:
    done = subprocess.run(
        [str(python), "-m", "pip", *args], capture_output=True, text=True, timeout=300
    )
    if done.returncode not in (0, 1):  # pip check exits 1 when it finds problems
        raise AssertionError(f"pip {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def snapshot_of(site: Path) -> dict:
    """The venv's site-packages as the native scanner sees it."""
    snap = genevars.snapshot_env(paths=[str(site)])
    assert snap.created_by["scanner"] == "native"
    return snap.to_dict()


@pytest.fixture(scope="session")
def broken_venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("venv") / "env"
    venv.EnvBuilder(with_pip=True).create(root)
    python = root / "bin" / "python"
    pip(python, "install", *PIP_FLAGS, "requests==2.32.3", "pytest==8.3.4")
    pip(python, "install", *PIP_FLAGS, "--no-deps", "urllib3==1.20")
    pip(python, "uninstall", *PIP_FLAGS, "-y", "idna")
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )
    return python, site, snapshot_of(site)


def pip_check_problems(python: Path) -> set[tuple]:
    """pip check's own report, parsed: (dependent, version, kind, dependency)."""
    problems = set()
    for line in pip(python, "check").splitlines():
        conflict = re.match(r"(\S+) (\S+) has requirement (.+?), but you have (\S+) (\S+)\.$", line)
        missing = re.match(r"(\S+) (\S+) requires (\S+), which is not installed\.$", line)
        if conflict:
            req_name = re.match(r"[A-Za-z0-9._-]+", conflict.group(3)).group(0)
            problems.add((normalize(conflict.group(1)), conflict.group(2), "unsatisfied", normalize(req_name)))
        elif missing:
            req_name = re.match(r"[A-Za-z0-9._-]+", missing.group(3)).group(0)
            problems.add((normalize(missing.group(1)), missing.group(2), "missing", normalize(req_name)))
    return problems


def test_requirement_check_agrees_with_pip_check(broken_venv):
    python, _, snap = broken_venv
    expected = pip_check_problems(python)
    kinds = {p[2] for p in expected}
    assert kinds == {"unsatisfied", "missing"}, f"the venv is not broken as intended: {expected}"
    assert ("requests", "2.32.3", "unsatisfied", "urllib3") in expected
    assert ("requests", "2.32.3", "missing", "idna") in expected

    ours = json.loads(genevars._core.requirement_problems(json.dumps(snap)))
    found = {
        (p["dependent"]["name"], p["dependent"]["version"], p["kind"], p["dependency"])
        for p in ours
        if p["kind"] in ("unsatisfied", "missing") and p.get("via_extra") is None
    }
    assert found == expected

    # The public API says the same, as findings.
    messages = [f["message"] for f in check_requirements(snap).findings]
    assert any(m.startswith("requests 2.32.3 requires urllib3") and m.endswith("but urllib3 1.20 is installed")
               for m in messages), messages
    assert "requests 2.32.3 requires idna>=2.5,<4, which is not installed" in messages


def pip_dependency_set(python: Path, root: str) -> set[str]:
    """The closure of `root` as pip reports it: `pip show`'s Requires, walked."""
    seen, queue = set(), [normalize(root)]
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        out = pip(python, "show", name)
        if not out:
            continue  # not installed (idna here): pip show prints nothing
        requires = re.search(r"^Requires: ?(.*)$", out, re.M).group(1)
        queue += [normalize(r.strip()) for r in requires.split(",") if r.strip()]
    return seen


def test_closure_of_pytest_equals_pips_dependency_set(broken_venv):
    python, _, snap = broken_venv
    expected = pip_dependency_set(python, "pytest")
    assert {"pytest", "pluggy", "iniconfig", "packaging"} <= expected
    result = minimal_requirements(["pytest"], snapshot=snap)
    assert {n["name"] for n in result.needed} == expected
    assert result.installed == len(snap["packages"])
    assert result.summary == f"{len(snap['packages'])} installed, {len(expected)} needed"


def test_minimal_requirements_of_a_job_file(broken_venv, tmp_path):
    python, _, snap = broken_venv
    job = tmp_path / "job"
    job.mkdir()
    (job / "mylib.py").write_text("")
    udf = job / "udf.py"
    udf.write_text(
        "import json\nimport requests\nfrom urllib3.util import Retry\nimport mylib\nimport pandas\n"
    )
    result = minimal_requirements([udf], snapshot=snap)
    expected = pip_dependency_set(python, "requests") - {"idna"}
    assert {n["name"] for n in result.needed} == expected
    assert "pytest" not in {n["name"] for n in result.needed}
    assert result.unresolved_imports == ["pandas"]
    assert [m["requirement"] for m in result.not_installed] == ["idna>=2.5,<4"]
    assert result.imports["urllib3.util"] == ["urllib3"]
    assert "urllib3==1.20" in result.requirements


def test_cli_requirements_on_the_venv(broken_venv, tmp_path):
    python, _, snap = broken_venv
    snap_file = tmp_path / "venv.json"
    snap_file.write_text(json.dumps(snap))
    out = tmp_path / "requirements.txt"
    done = subprocess.run(
        [sys.executable, "-m", "genevars", "requirements", "--for", "pytest", "--snapshot", str(snap_file),
         "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    pins = [ln for ln in out.read_text().splitlines() if not ln.startswith("#")]
    assert "pytest==8.3.4" in pins
    assert {normalize(p.split("==")[0]) for p in pins} == pip_dependency_set(python, "pytest")
