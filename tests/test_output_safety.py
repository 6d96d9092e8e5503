"""Output that cannot be forged or crash, inputs that cannot hang: every case runs the real
CLI in a subprocess and asserts its exit status, exactly one line on stderr naming the
input, and no traceback. The property test feeds values with control characters through
snapshot -> compare -> text report and HTML."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import genevars
from genevars._compare import compare_node_snapshots, compare_snapshots
from genevars._deps import check_requirements
from test_compare_support import LOCAL, REMOTE, snapshot, write
from snapshot_trees import write as put

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1", "GENEVARS_NO_CACHE": "1"}


def cli(*args: str, module: str = "genevars", **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=120,
        **{"env": ENV, **kwargs},
    )


def one_line_error(proc: subprocess.CompletedProcess, *expected: str, status: int = 2) -> str:
    """The single stderr line of a run that failed with ``status``, holding ``expected``."""
    assert proc.returncode == status, (proc.returncode, (proc.stdout or "")[-2000:], proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write(tmp_path / "local.json", LOCAL)


def special_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Paths that are not snapshot text, with what the error must say of each."""
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    loop_a, loop_b = tmp_path / "loop-a.json", tmp_path / "loop-b.json"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    binary = put(tmp_path / "binary.json", b'{"schema": "genevars.snapshot/1", "x": "\xff\xfe\x00"}')
    folder = tmp_path / "folder.json"
    folder.mkdir()
    return {
        "fifo": (fifo, "is a FIFO (named pipe), not a"),
        "device": (Path("/dev/zero"), "is a character device, not a"),
        "directory": (folder, "is a directory, not a"),
        "symlink loop": (loop_a, "a symlink loop"),
        "binary": (binary, "binary, not UTF-8 text (byte 40)"),
        "missing": (tmp_path / "missing.json", "no such file"),
    }


KINDS = ["fifo", "device", "directory", "symlink loop", "binary", "missing"]


@pytest.mark.parametrize("kind", KINDS)
def test_diff_refuses_what_is_not_a_snapshot_file_in_one_line(tmp_path, good, kind):
    path, expected = special_files(tmp_path)[kind]
    one_line_error(cli("diff", str(good), str(path)), str(path), expected)


@pytest.mark.parametrize("kind", KINDS)
def test_check_and_requirements_name_the_snapshot_file(tmp_path, kind):
    path, expected = special_files(tmp_path)[kind]
    one_line_error(cli("check", str(path)), str(path), expected, "snapshot")
    one_line_error(
        cli("requirements", "--for", "numpy", "--snapshot", str(path)), str(path), expected, "snapshot"
    )


@pytest.mark.parametrize("kind", ["fifo", "device", "binary", "symlink loop"])
def test_at_files_rules_and_manifests_are_read_by_the_same_reader(tmp_path, kind):
    path, expected = special_files(tmp_path)[kind]
    one_line_error(cli("check", "--pins", f"@{path}"), "--pins", str(path), expected, "requirements file")
    one_line_error(cli("check", "--rules", str(path)), str(path), "rules file")
    one_line_error(cli("manifest", "show", str(path)), str(path), expected, "manifest")
    for module, args in (("genevars", ["compare"]), ("genevars.compare_env", [])):
        proc = cli(*args, "--runtime-env", f"@{path}", module=module)
        one_line_error(proc, "--runtime-env", str(path), expected, "runtime_env file")


@pytest.mark.parametrize("kind", ["fifo", "device", "symlink loop", "directory"])
def test_requirements_and_conda_files_from_python_are_read_by_the_same_reader(tmp_path, kind):
    path, expected = special_files(tmp_path)[kind]
    for method, noun in (("requirements_path", "requirements file"), ("conda_environment_path", "conda environment file")):
        with pytest.raises(genevars.ManifestError) as info:
            getattr(genevars.ManifestBuilder.create("m"), method)(path).build()
        message = str(info.value)
        assert "\n" not in message and str(path) in message and expected in message and noun in message, message


def test_a_file_over_the_limit_is_refused_naming_the_limit(tmp_path, good):
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(1024 * 1024 * 1024 + 1)  # sparse: no disk used
    one_line_error(cli("diff", str(good), str(big)), str(big), "over the limit of 1024 MB")
    rules = tmp_path / "big.toml"
    with open(rules, "wb") as f:
        f.truncate(16 * 1024 * 1024 + 1)
    one_line_error(cli("check", "--rules", str(rules)), str(rules), "over the limit of 16 MB")


def test_a_utf8_bom_is_accepted_and_utf16_is_named(tmp_path, good):
    bom = put(tmp_path / "bom.json", b"\xef\xbb\xbf" + json.dumps(REMOTE).encode())
    proc = cli("diff", str(good), str(bom))
    assert proc.returncode == 1 and proc.stderr == "", proc.stderr
    assert "numpy" in proc.stdout
    utf16 = put(tmp_path / "utf16.json", json.dumps(REMOTE).encode("utf-16"))
    one_line_error(cli("diff", str(good), str(utf16)), str(utf16), "not UTF-8 text but UTF-16")


def test_an_older_schema_is_called_older(tmp_path, good):
    old = write(tmp_path / "old.json", {**REMOTE, "schema": "genevars.snapshot/0"})
    line = one_line_error(cli("diff", str(good), str(old)), str(old), "is older than this genevars reads")
    assert "newer" not in line


@pytest.mark.parametrize("value", ["inf", "1e300", "nan", "-1", "0", "-inf", "ten"])
@pytest.mark.parametrize("module, args", [("genevars.compare_env", []), ("genevars", ["compare"])])
def test_timeout_must_be_a_finite_positive_number(module, args, value):
    one_line_error(cli(*args, f"--timeout={value}", module=module), "--timeout", value)


def test_an_error_line_cannot_carry_a_control_sequence(tmp_path, good):
    hostile = tmp_path / "x\x1b[2J\rforged\u202e.json"
    line = one_line_error(cli("diff", str(good), str(hostile)), "no such file")
    assert "x\\x1b[2J\\rforged\\u202e.json" in line


def closed_reader(*args: str, module: str = "genevars") -> subprocess.CompletedProcess:
    """Runs the CLI with its stdout a pipe whose reader is gone before it writes (`| head`
    that has read enough)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", err)


def test_a_reader_that_goes_away_ends_every_command_quietly(tmp_path, good):
    remote = write(tmp_path / "remote.json", REMOTE)
    manifest = tmp_path / "m.json"
    genevars.ManifestBuilder.create("m").pip(["numpy==1.26.4"]).build().save(manifest)
    for args in (
        ["diff", str(good), str(remote), "--show-all"],
        ["diff", str(good), str(remote), "--json"],
        ["check", str(good)],
        ["snapshot"],
        ["manifest", "show", str(manifest)],
        ["requirements", "--for", "numpy", "--snapshot", str(good)],
    ):
        proc = closed_reader(*args)
        assert proc.returncode == 141, (args, proc.returncode, proc.stderr)
        assert proc.stderr == "", (args, proc.stderr)
    for module, args in (("genevars.compare_env", ["--help"]), ("genevars", ["compare", "--help"])):
        proc = closed_reader(*args, module=module)
        assert proc.returncode in (0, 141) and "Traceback" not in proc.stderr, proc.stderr


def test_a_closed_stdout_is_one_line(tmp_path, good):
    remote = write(tmp_path / "remote.json", REMOTE)
    for module, args in (("genevars", ["diff", str(good), str(remote)]), ("genevars.compare_env", [])):
        proc = subprocess.run(
            ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", module, *args],
            capture_output=False,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env=ENV,
        )
        one_line_error(proc, "standard output is closed")
    # Open, but not for writing.
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" 1</dev/null', "sh", sys.executable, "-m", "genevars", "diff", str(good), str(remote)],
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        env=ENV,
    )
    one_line_error(proc, "cannot write the output: Bad file descriptor")


def test_a_pth_file_that_crashes_the_interpreter_is_named(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    put(
        Path(site) / "evil.pth",
        'import os, sys; sys.stderr.write("boom at https://user:hunter2@example.com/x\\n"); os.abort()\n',
    )
    line = one_line_error(cli("snapshot", "--python", str(python), "-o", str(tmp_path / "s.json")), str(python))
    assert "killed by SIGABRT" in line and ".pth file or sitecustomize" in line, line
    assert "boom at https://***@example.com/x" in line and "hunter2" not in line, line


# --- the property: nothing read from a node reaches a report raw ------------------------

BIDI = "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
NASTY = "\x1b\r\n\t\x00\x07\x08\x0b\x0c\x7f\x85\x9b" + BIDI


def unsafe(c: str) -> bool:
    """What a terminal or browser acts on: Cc controls, bidi controls, line separators."""
    return unicodedata.category(c) == "Cc" or c in BIDI


OWN_COLOURS = re.compile(r"\x1b\[(?:0|1|2|32|33|36|1;31)m")

hostile = st.text(st.one_of(st.sampled_from(NASTY), st.characters(exclude_categories=("Cs",))), max_size=24)


def assert_safe_text(text: str) -> None:
    raw = [c for c in OWN_COLOURS.sub("", text) if c != "\n" and unsafe(c)]
    assert raw == [], (raw, text[:3000])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    env=st.dictionaries(hostile.map(lambda k: "V" + k), hostile, max_size=4),
    versions=st.lists(hostile, min_size=3, max_size=3),
    label=hostile,
    error=hostile,
)
def test_control_characters_never_reach_a_report_raw(env, versions, label, error):
    names = ["numpy", "attrs", "mine"]
    local = snapshot(dict(zip(names, ["1.26.4", "23.2.0", "1.0"])), {"PYTHONPATH": "/a"})
    remote = snapshot(
        dict(zip(names, versions)),
        {**env, "PYTHONPATH": label},
        origin={"node_id": label or "n", "node_address": label, "hostname": label},
    )
    remote["platform"]["system"] = label or "Linux"
    remote["python"]["executable"] = label
    remote["packages"][2]["display_name"] = "mine" + label
    remote["sys_path"].append(label)
    remote["packages"][1]["requires_dist"] = [f"numpy>={versions[0]}"]
    results = []
    try:
        results.append(compare_snapshots(local, remote, reveal_values=True))
        results.append(
            compare_node_snapshots(
                local,
                [remote],
                [{"node_id": label + "x", "node_address": label, "error": error}],
                reveal_values=True,
            )
        )
        check = check_requirements(remote)
    except genevars.GenevarsError:
        return  # a clear refusal is allowed; a crash or a raw control character is not
    assert_safe_text(check.report())
    for result in results:
        for show_all in (False, True):
            for color in (False, True):
                assert_safe_text(result.report(show_all=show_all, color=color))
        html = result._repr_html_()
        assert [c for c in html if unsafe(c)] == [], html[:3000]
        # JSON escapes every C0 control inside its strings (C1 and bidi stay as data).
        assert not any(c < " " and c != "\n" for c in result.to_json()), result.to_json()[:2000]


def test_manifest_show_escapes_values_and_its_code_still_recreates_them(tmp_path):
    value = "x\x1b[2J\r\nforged\u202ey"
    path = tmp_path / "m.json"
    genevars.ManifestBuilder.create("m").env({"A": value}).pip(["numpy==1.26.4"]).build().save(
        path, reveal_values=True
    )
    plain = cli("manifest", "show", str(path), "--reveal-values")
    assert plain.returncode == 0 and plain.stderr == "", plain.stderr
    assert_safe_text(plain.stdout)
    assert "A=x\\x1b[2J\\r\\nforged\\u202ey" in plain.stdout
    code = cli("manifest", "show", str(path), "--python", "--reveal-values")
    assert code.returncode == 0 and code.stderr == "", code.stderr
    assert_safe_text(code.stdout)
    scope: dict = {}
    exec(code.stdout, scope)
    assert scope["manifest"].to_runtime_env()["env_vars"] == {"A": value}
