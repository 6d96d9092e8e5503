"""The installed `genevars` command: a native launcher that answers `snapshot --python EXE`
itself from a saved description of EXE, and hands everything else to `genevars-python`.

What the launcher answers alone is shown with a copy of it in a directory of its own:
there it has no `genevars-python` to hand over to, so a case it declines fails with "cannot
run", and a case it answers can only have been answered natively.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path
from typing import Dict, List

import pytest

from snapshot_trees import dist_info

BIN = Path(sys.executable).parent
LAUNCHER = BIN / "genevars"
PYTHON_COMMAND = BIN / "genevars-python"
SECRET = "ghp_" + "x7Kq2mP9vR4tW8yZ3bN6cF1dH5jL0sA2eG4i"


def run(cmd: List[str], env: Dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, timeout=120, env=env, cwd=cwd)


def age(tree: Path) -> None:
    """Makes ``tree`` look a minute old: a description is not saved while a file it depends
    on changed within the last seconds (it may change again unseen)."""
    a_minute_ago = time.time() - 60
    for path in [tree, *tree.rglob("*")]:
        os.utime(path, (a_minute_ago, a_minute_ago), follow_symlinks=False)


@pytest.fixture
def setting(tmp_path: Path) -> Dict[str, object]:
    """A target venv with two distributions, an own cache, a secret and a URL credential
    in the environment, and a copy of the launcher alone in a directory."""
    target = tmp_path / "target"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(target)
    [site] = target.glob("lib/python*/site-packages")
    dist_info(site, "numpy", "2.2.6")
    dist_info(site, "pyarrow", "16.1.0", direct_url={"url": "https://u:pw@h/pa.whl", "archive_info": {}})
    age(target)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy2(LAUNCHER, alone / "genevars")
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "GITHUB_TOKEN": SECRET,
        "INDEX_URL": "https://user:hunter2@pypi.example.com/simple",
        "LANG_NOTE": "héllo ✓",
    }
    env.pop("GENEVARS_NO_CACHE", None)
    work = tmp_path / "work"
    work.mkdir()
    return {
        "python": str(target / "bin" / "python"),
        "site": site,
        "alone": str(alone / "genevars"),
        "env": env,
        "work": work,
    }


def test_the_installed_command_is_the_native_launcher_beside_genevars_python():
    assert LAUNCHER.read_bytes()[:4] == b"\x7fELF"
    shebang = PYTHON_COMMAND.read_text().splitlines()[0]
    assert shebang.startswith("#!") and Path(shebang[2:].strip()).exists(), shebang


def test_other_commands_are_genevars_python_s(tmp_path: Path):
    for args in (["--version"], ["nosuch"], ["snapshot", "--help"]):
        native = run([str(LAUNCHER), *args], dict(os.environ), tmp_path)
        python = run([str(PYTHON_COMMAND), *args], dict(os.environ), tmp_path)
        assert (native.returncode, native.stdout, native.stderr) == (python.returncode, python.stdout, python.stderr)
    assert run([str(LAUNCHER), "nosuch"], dict(os.environ), tmp_path).returncode == 2


def test_a_saved_description_is_answered_natively_byte_for_byte(setting):
    env, work, python = setting["env"], setting["work"], setting["python"]
    # The first run describes the interpreter (in Python) and saves the description.
    first = run([str(LAUNCHER), "snapshot", "--python", python, "-o", "py.json"], env, work)
    assert first.returncode == 0, first.stderr
    # (This interpreter's python3XY.zip on sys.path does not exist: one unreadable entry.)
    assert first.stdout.startswith(b"wrote py.json: 2 packages"), first.stdout
    by_python = (work / "py.json").read_bytes()

    alone = run([setting["alone"], "snapshot", "--python", python, "-o", "native.json"], env, work)
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout == first.stdout.replace(b"py.json", b"native.json")
    assert (work / "native.json").read_bytes() == by_python

    to_stdout = run([setting["alone"], "snapshot", "--python", python], env, work)
    assert to_stdout.returncode == 0 and to_stdout.stdout == by_python
    quiet = run([setting["alone"], "snapshot", "-q", f"--python={python}", "--output=q.json"], env, work)
    assert (quiet.returncode, quiet.stdout) == (0, b"")
    assert (work / "q.json").read_bytes() == by_python

    # The same bytes genevars in Python writes when it asks the interpreter afresh.
    shutil.rmtree(env["XDG_CACHE_HOME"])
    fresh = run([str(PYTHON_COMMAND), "snapshot", "--python", python, "-o", "fresh.json"], env, work)
    assert fresh.returncode == 0, fresh.stderr
    assert (work / "fresh.json").read_bytes() == by_python
    text = by_python.decode()
    assert SECRET not in text and "hunter2" not in text and "pw@" not in text
    assert '"LANG_NOTE": "héllo ✓"' in text


def test_what_the_launcher_cannot_answer_exactly_it_hands_over(setting):
    env, work, python, alone = setting["env"], setting["work"], setting["python"], setting["alone"]
    assert run([str(LAUNCHER), "snapshot", "--python", python, "-o", "py.json"], env, work).returncode == 0
    assert run([alone, "snapshot", "--python", python, "-o", "ok.json"], env, work).returncode == 0

    def declined(args: List[str], extra: Dict[str, str]) -> bool:
        done = run([alone, *args], {**env, **extra}, work)
        return done.returncode == 2 and b"cannot run" in done.stderr and b"genevars-python" in done.stderr

    assert declined(["snapshot", "--python", python, "-o", "x.json"], {"GENEVARS_NO_CACHE": "1"})
    assert declined(["snapshot", "--python", python, "-v"], {})
    assert declined(["snapshot", "--python", python, "--reveal-values"], {})
    assert declined(["snapshot", "--python", python, "-o", "/nonexistent/dir/x.json"], {})
    # The description depends on the environment that steers sys.path.
    assert declined(["snapshot", "--python", python, "-o", "x.json"], {"PYTHONPATH": str(work)})
    # A distribution installed since: the site directory changed, so it is described again.
    dist_info(setting["site"], "pandas", "2.2.3")
    assert declined(["snapshot", "--python", python, "-o", "x.json"], {})

    # The installed launcher hands these to genevars-python, whose answers they are.
    unwritable = run([str(LAUNCHER), "snapshot", "--python", python, "-o", "/nonexistent/dir/x.json"], env, work)
    assert unwritable.returncode == 2
    assert unwritable.stderr == b"genevars: cannot write /nonexistent/dir/x.json: No such file or directory\n"
    again = run([str(LAUNCHER), "snapshot", "--python", python, "-o", "x.json"], env, work)
    assert again.stdout.startswith(b"wrote x.json: 3 packages"), again.stdout


def test_a_reader_that_goes_away_ends_the_native_snapshot_with_141(setting):
    env, work, python = setting["env"], setting["work"], setting["python"]
    # A snapshot far larger than a pipe's buffer.
    for n in range(800):
        dist_info(setting["site"], f"package-number-{n}", "1.0")
    age(setting["site"].parents[2])
    assert run([str(LAUNCHER), "snapshot", "--python", python, "-o", "big.json"], env, work).returncode == 0
    assert (work / "big.json").stat().st_size > 256 * 1024
    reader = subprocess.Popen([setting["alone"], "snapshot", "--python", python], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, cwd=work)
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.read(10) == b'{\n  "schem'
    reader.stdout.close()
    assert reader.wait(timeout=60) == 141
    assert reader.stderr.read() == b""


def test_the_c_locale_is_coerced_as_python_does(setting):
    # Without a locale Python sets LC_CTYPE (PEP 538) before genevars runs, so its snapshot
    # records that variable: the native one must too.
    env = {k: v for k, v in setting["env"].items() if k not in ("LANG", "LC_ALL", "LC_CTYPE", "PYTHONCOERCECLOCALE")}
    work, python = setting["work"], setting["python"]
    assert run([str(LAUNCHER), "snapshot", "--python", python, "-o", "py.json"], env, work).returncode == 0
    alone = run([setting["alone"], "snapshot", "--python", python, "-o", "native.json"], env, work)
    assert alone.returncode == 0, alone.stderr
    by_python = (work / "py.json").read_bytes()
    assert (work / "native.json").read_bytes() == by_python
    assert b'"LC_CTYPE": "C.UTF-8"' in by_python
    # Told to warn about it, Python prints a warning of its own: such runs are Python's,
    # even with the description saved.
    warn = {**env, "PYTHONCOERCECLOCALE": "warn"}
    by_python = run([str(LAUNCHER), "snapshot", "--python", python, "-o", "py.json"], warn, work)
    assert by_python.returncode == 0 and b"LC_CTYPE coerced" in by_python.stderr
    warned = run([setting["alone"], "snapshot", "--python", python, "-o", "x.json"], warn, work)
    assert warned.returncode == 2 and b"cannot run" in warned.stderr
