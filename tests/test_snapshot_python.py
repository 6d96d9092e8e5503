"""`snapshot_env(python=EXE)` / `genevars snapshot --python EXE`: another interpreter
describes itself (its sys.path first, then the rest) while this one scans; and
`Snapshot.to_json`, which `Snapshot.save` writes."""

from __future__ import annotations

import gc
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from genevars import Snapshot, SnapshotError, _interpreter, _snapshot, snapshot_env
from snapshot_trees import dist_info


def fresh_snapshot_of(python: str, cwd: Path) -> dict:
    """What ``snapshot_env()`` says inside a fresh ``python``: the reference for
    ``--python``. The ``''`` that ``-c`` puts first is not the interpreter's own path."""
    code = (
        "import sys; del sys.path[0]; import json, genevars; "
        "print(json.dumps(genevars.snapshot_env().to_dict()))"
    )
    proc = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd, env=dict(os.environ)
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_python_snapshot_equals_the_interpreters_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "extra"
    dist_info(extra, "attrs", "23.2.0")
    monkeypatch.setenv("PYTHONPATH", str(extra))  # the other interpreter's path has it
    monkeypatch.setenv("GENEVARS_TEST_TOKEN", "not-shown")
    monkeypatch.chdir(tmp_path)
    theirs = fresh_snapshot_of(sys.executable, tmp_path)
    ours = snapshot_env(python=sys.executable).to_dict()
    assert str(extra) in ours["sys_path"]
    assert ours["packages"] and any(p["name"] == "attrs" for p in ours["packages"])
    assert ours["env"]["GENEVARS_TEST_TOKEN"]["withheld"] == "secret"
    assert ours == theirs


def started_kind(argv: list) -> str:
    process = _interpreter._start(argv)
    assert process.stdout.read() == b"out\n" and process.stderr.read() == b"err\n"
    assert process.wait() == 3
    process.stdout.close()
    process.stderr.close()
    return type(process).__name__


@pytest.mark.skipif(not hasattr(os, "posix_spawnp"), reason="no posix_spawnp here")
def test_without_posix_spawn_the_answer_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"]
    assert started_kind(argv) == "_Spawned"
    spawned = snapshot_env(python=sys.executable)
    monkeypatch.delattr(os, "posix_spawnp")  # as on Windows
    assert started_kind(argv) == "Popen"
    assert snapshot_env(python=sys.executable) == spawned
    with pytest.raises(SnapshotError, match="no such interpreter"):
        snapshot_env(python="/nonexistent/python")


def test_current_directory_neither_shadows_nor_joins_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `EXE -c` puts '' first on sys.path: it must not be reported, nor let a module in the
    # current directory replace the standard library while the interpreter describes itself.
    (tmp_path / "platform.py").write_text("raise SystemExit('the wrong platform module')\n")
    (tmp_path / "json.py").write_text("raise SystemExit('the wrong json module')\n")
    dist_info(tmp_path, "here", "1.0")
    monkeypatch.chdir(tmp_path)
    snap = snapshot_env(python=sys.executable)
    assert "" not in snap.sys_path and str(tmp_path) not in snap.sys_path
    assert "here" not in snap.packages
    assert snap.platform["system"]


def fake_python(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-python"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.mark.skipif(os.name != "posix", reason="shell-script interpreters")
def test_chatty_interpreter_does_not_block(tmp_path: Path) -> None:
    # 256 KiB on stderr before it answers: more than a pipe holds.
    python = fake_python(tmp_path, f'head -c 262144 /dev/zero >&2\nexec "{sys.executable}" "$@"')
    snap = snapshot_env(python=python)
    assert snap.python["version_info"]["major"] == sys.version_info.major


@pytest.mark.skipif(os.name != "posix", reason="shell-script interpreters")
def test_silent_interpreter_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_interpreter, "DESCRIBE_TIMEOUT", 1.0)
    python = fake_python(tmp_path, "exec sleep 30")
    with pytest.raises(SnapshotError) as info:
        snapshot_env(python=python)
    assert str(info.value) == f"--python {python}: gave no answer within 1 s"


#: The first answer of ``_describe.main``, as a shell line.
PATH_ANSWER = "echo '{\"result\": \"ok\", \"kind\": \"sys_path\", \"sys_path\": [\"/x\"]}'"


@pytest.mark.skipif(os.name != "posix", reason="shell-script interpreters")
@pytest.mark.parametrize(
    "body, kind, message",
    [
        (f"{PATH_ANSWER}; exit 3", "failed", "exited with status 3 (no error output)"),
        (f"{PATH_ANSWER}; echo '{{'", "bad_answer", "its answer was not the expected JSON"),
        ('echo "[\\"/x\\"]"', "bad_answer", "its answer was not the expected JSON"),
        ("""echo '{"result": "ok", "kind": "sys_path", "sys_path": [1, 2]}'""", "bad_answer", "not the expected JSON"),
        ("""echo '{"result": "ok", "kind": "description", "description": {}}'""", "bad_answer", "not the expected"),
        ("""echo '{"result": "error", "kind": "no_such_kind"}'""", "bad_answer", "not the expected JSON"),
        ('echo "Traceback" >&2; echo "ImportError: no" >&2; exit 1', "failed", "exited with status 1 (ImportError: no)"),
        (
            """echo '{"result": "error", "kind": "unsupported_python", "python_version": "3.7.17"}'""",
            "unsupported_python",
            "is Python 3.7.17, and genevars needs Python 3.8 or newer",
        ),
        (
            PATH_ANSWER + """; printf '%s\\n' '{"result": "error", "kind": "describe_failed", "exception": "OSError", """
            """"message": "no /proc at https://user:hunter2@host/x\\nsecond line"}'""",
            "describe_failed",
            "could not describe itself (OSError: no /proc at https://***@host/x)",
        ),
    ],
    ids=["dies-after-path", "bad-facts", "untagged", "path-not-strings", "wrong-kind", "unknown-error",
         "traceback", "too-old", "describe-raised"],
)
def test_broken_answers_are_one_line(tmp_path: Path, body: str, kind: str, message: str) -> None:
    python = fake_python(tmp_path, body)
    with pytest.raises(_interpreter.InterpreterError) as info:
        snapshot_env(python=python)
    text = str(info.value)
    assert text.startswith(f"--python {python}: ") and message in text, text
    assert "\n" not in text and "hunter2" not in text
    assert info.value.kind == kind and isinstance(info.value, SnapshotError)


def run_query(argv_tail: list[str], prelude: str = "") -> list[dict]:
    """The answers of the real query file (``_describe.py`` through the bootstrap)."""
    here = Path(_interpreter.__file__).parent
    code = prelude + _interpreter._BOOTSTRAP
    proc = subprocess.run(
        [sys.executable, "-c", code, str(here / "_describe.py"), *argv_tail], capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_the_query_answers_tagged_lines() -> None:
    probe = str(Path(_interpreter.__file__).parent / "_probe.py")
    path, description, witness = run_query([probe])
    assert path == {"result": "ok", "kind": "sys_path", "sys_path": path["sys_path"]}
    own = subprocess.run([sys.executable, "-c", "import sys, json; del sys.path[0]; print(json.dumps(sys.path))"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert path["sys_path"] == json.loads(own)
    assert description["result"] == "ok" and description["kind"] == "description"
    assert description["description"]["markers"]["python_full_version"] == ".".join(map(str, sys.version_info[:3]))
    assert witness["result"] == "ok" and witness["kind"] == "witness" and witness["files"]


def test_the_query_says_an_old_python_is_too_old() -> None:
    # What an interpreter older than the probe supports answers, and nothing more.
    answers = run_query(["unused"], prelude="import sys; sys.version_info = (3, 7, 17, 'final', 0)\n")
    assert answers == [{"result": "error", "kind": "unsupported_python", "python_version": "3.7.17"}]


def test_the_query_reports_a_failing_probe(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def describe():\n    raise OSError('no /proc here')\n")
    answers = run_query([str(probe)])
    assert [a["kind"] for a in answers] == ["sys_path", "describe_failed"]
    assert answers[1] == {"result": "error", "kind": "describe_failed", "exception": "OSError",
                          "message": "no /proc here"}


def test_cli_python_snapshot_imports_no_other_command(tmp_path: Path) -> None:
    out = tmp_path / "snap.json"
    code = (
        "import sys; from genevars.__main__ import main; "
        f"rc = main(['snapshot', '--python', sys.executable, '-o', {str(out)!r}]); "
        "print(sorted(m for m in sys.modules if m.startswith(('genevars', 'ray'))))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    modules = proc.stdout.splitlines()[-1]
    for unwanted in ("genevars.compare_env", "genevars._compare", "genevars._deps", "genevars.cli.diff", "'ray"):
        assert unwanted not in modules
    assert json.loads(out.read_text())["schema"] == "genevars.snapshot/1"


def test_cli_snapshot_leaves_the_cycle_collector_as_it_found_it(tmp_path: Path) -> None:
    from genevars.__main__ import main

    dist_info(tmp_path / "site", "attrs", "23.2.0")
    args = ["snapshot", "--path", str(tmp_path / "site"), "-o", str(tmp_path / "snap.json")]
    assert gc.isenabled()
    assert main(args) == 0
    assert gc.isenabled()
    gc.disable()
    try:
        assert main(args) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert json.loads((tmp_path / "snap.json").read_text())["packages"][0]["name"] == "attrs"


ODD_TEXT = 'quote " backslash \\ newline \n tab \t nul \x00 esc \x1b del \x7f é 😀 \u2028 \ufeff'


@pytest.mark.parametrize("indent", [2, 0, 4, -1])
def test_snapshot_to_json_is_json_dumps_of_its_dict(tmp_path: Path, indent: int) -> None:
    dist_info(tmp_path / "site", "pandas", "2.2.2", extra="Requires-Dist: numpy>=1.22.4\n")
    data = snapshot_env([tmp_path / "site"]).to_dict()
    data["cwd"] = ODD_TEXT
    data["sys_path"] = [ODD_TEXT, "", "/é"]
    data["env"]["GENEVARS_TEST_ODD"] = ODD_TEXT
    data["unreadable"] = []
    snap = Snapshot.from_dict(data)
    assert snap.to_json(indent) == json.dumps(snap.to_dict(), indent=indent, ensure_ascii=False)
    assert Snapshot.from_json(snap.to_json(indent)) == snap


def test_snapshot_taken_while_the_interpreter_describes_itself_is_json_dumps(tmp_path: Path) -> None:
    from genevars._interpreter import InterpreterDescription

    dist_info(tmp_path / "site", "pandas", "2.2.2", extra="Requires-Dist: numpy>=1.22.4\n")
    with InterpreterDescription(sys.executable) as other:
        snap = _snapshot.take([str(tmp_path / "site")], other)
    assert snap.to_json(2) == json.dumps(snap.to_dict(), indent=2, ensure_ascii=False)
    assert snap.to_json(4) == json.dumps(snap.to_dict(), indent=4, ensure_ascii=False)
    assert snap == snapshot_env([tmp_path / "site"], python=sys.executable)


def test_saved_snapshot_is_json_dumps_indented(tmp_path: Path) -> None:
    dist_info(tmp_path / "site", "pandas", "2.2.2", extra="Requires-Dist: numpy>=1.22.4\n")
    snap = snapshot_env([tmp_path / "site"], fingerprint_key=b"k" * 32)
    assert snap.to_json() == json.dumps(snap.to_dict(), indent=2, ensure_ascii=False)
    snap.save(tmp_path / "snap.json")
    assert (tmp_path / "snap.json").read_text(encoding="utf-8") == snap.to_json() + "\n"
