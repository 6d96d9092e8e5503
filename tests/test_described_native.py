"""The rest of a ``snapshot --python EXE`` snapshot and the interpreter-description cache,
done natively (``src/snapshot/parts.rs``, ``src/snapshot/described.rs``, which a native
launcher uses too), are exactly what the Python assembly and cache make: the same parts
text for varied surroundings (each run in a process of its own, with its own environment
and current directory), the same snapshot file, the same saved description."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import pytest

from genevars import _core, _probe
from genevars.__main__ import main

# Run in a process of its own: the native parts and the Python assembly's, of the
# description on stdin, in that process's environment and directory; and the native
# parts of the C environment, as a native launcher reads it.
BOTH = r"""
import json, sys
from genevars import _core
from genevars._interpreter import CachedDescription, environ
from genevars.cli.snapshot import assembled_parts
text = sys.stdin.read()
other = CachedDescription(text)
print(json.dumps({"native": _core.described_parts(text, environ()), "process": _core.described_parts(text), "python": assembled_parts(other.sys_path(), other, False)}))
"""

Env = Dict[Union[str, bytes], Union[str, bytes]]


def both(facts: Dict[str, Any], env: Env, cwd: Path) -> Dict[str, Optional[str]]:
    done = subprocess.run(
        [sys.executable, "-c", BOTH],
        input=json.dumps(facts),
        capture_output=True,
        text=True,
        env=env,  # type: ignore[arg-type]  # bytes names and values are fine on POSIX
        cwd=cwd,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer: Dict[str, Optional[str]] = json.loads(done.stdout)
    return answer


def described(executable: str, sys_path: Optional[List[str]] = None) -> Dict[str, Any]:
    """This interpreter's real description, with another executable and sys.path."""
    facts = _probe.describe()
    facts["python"] = dict(facts["python"], executable=executable)
    if sys_path is not None:
        facts["sys_path"] = sys_path
    return facts


def base_env(home: Path) -> Dict[Union[str, bytes], Union[str, bytes]]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C.UTF-8"}


def make_credential_files(home: Path) -> None:
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text("[default]\naws_access_key_id = x\n")
    config = home / ".aws" / "config"
    config.write_text("[default]\n")
    config.chmod(0)  # unreadable (except to root, for Python and natively alike)
    (home / ".config" / "gcloud" / "application_default_credentials.json").mkdir(parents=True)  # a directory
    os.mkfifo(home / ".netrc")  # never opened
    (home / "certs").mkdir()
    (home / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\n")


def make_conda_prefix(prefix: Path) -> str:
    (prefix / "bin").mkdir(parents=True)
    meta = prefix / "conda-meta"
    meta.mkdir()
    for name in ("zlib-1.2.13-h0.json", "python-3.11.7-hab00c5b_0.json", "ca-certificates-2024.2.2-hbcca054_0.json",
                 "two-parts.json", "bad.json", "history", "-1-2.json"):
        (meta / name).write_text("{}")
    (meta / "sub.json").mkdir()
    return str(prefix / "bin" / "python")


CASES = [
    "plain",
    "secret names and values",
    "credentials on sys.path and in the current directory",
    "non-ASCII and control characters",
    "a conda prefix",
    "a conda prefix named relative to the current directory",
    "credential files",
    "no HOME",
    "an empty HOME",
]


@pytest.mark.parametrize("case", CASES)
def test_native_parts_are_the_python_assemblys_text(tmp_path: Path, case: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    cwd = tmp_path / "work"
    cwd.mkdir()
    env = base_env(home)
    facts = described("/usr/bin/python3")
    if case == "secret names and values":
        env.update({
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "GITHUB_TOKEN": "abc",
            "INNOCENT": "ghp_s3cr3tvalueabcdefghijklmnopqrstu",
            "SESSION": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "PIP_INDEX_URL": "https://user:s3cr3t@pypi.example.com/simple",
            "SIGNED": "https://bucket.s3.amazonaws.com/x?X-Amz-Signature=abcdef&X-Amz-Credential=zz",
            "PYTHON_INDEX_TOKEN": "t0k3n",
        })
    elif case == "credentials on sys.path and in the current directory":
        cwd = tmp_path / "https:" / "user:s3cr3t@example.com" / "x?X-Amz-Signature=s3cr3t"
        cwd.mkdir(parents=True)
        facts["sys_path"] = ["", "https://user:s3cr3t@pkgs.example.com/lib", "/opt/ünï/çødé", *facts["sys_path"]]
    elif case == "non-ASCII and control characters":
        env.update({"GREETING": "héllo ✓ 😀", "DEL": "\x7f", "CTRL": "a\x01b\tc\nd", "QUOTES": "\"'\\", "ÉTÉ": "été"})
        cwd = tmp_path / "répertoire ✓"
        cwd.mkdir()
    elif case == "a conda prefix":
        facts = described(make_conda_prefix(tmp_path / "env"))
    elif case == "a conda prefix named relative to the current directory":
        make_conda_prefix(cwd / "env")
        facts = described("env/bin/../bin/python")
    elif case == "credential files":
        make_credential_files(home)
        env.update({
            "SSL_CERT_DIR": str(home / "certs"),
            "SSL_CERT_FILE": "~/cert.pem",
            "REQUESTS_CA_BUNDLE": "relative/bundle.pem",
            "KUBECONFIG": "",
            "MY_SECRET_KEY_FILE": str(home / "cert.pem"),
            "DATA_PATH": "~/missing",
            "OTHER_FILE": "~root/x",
            "NOBODY_FILE": "~no-such-user-here/x",
            "LIST_PATH": "/a:/b",
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "elsewhere"),
        })
    elif case == "no HOME":
        del env["HOME"]
    elif case == "an empty HOME":
        env["HOME"] = ""
    answer = both(facts, env, cwd)
    assert answer["native"] is not None
    assert answer["native"] == answer["python"] == answer["process"]
    parts = json.loads(answer["native"])
    text = answer["native"]
    assert "s3cr3t" not in text and "t0k3n" not in text and "wJalrXUtnFEMI" not in text
    if case == "a conda prefix":
        assert [p["name"] for p in parts["conda"]] == ["ca-certificates", "python", "zlib"]
    if case == "credential files":
        files = {f["name"]: f for f in parts["credential_files"]}
        assert files["~/.aws/credentials"]["path"] == str(home / "elsewhere")
        assert files["~/.aws/config"]["exists"] and files["~/.netrc"]["exists"] and files["SSL_CERT_DIR"]["readable"]
        assert files["SSL_CERT_FILE"]["readable"] and files["SSL_CERT_FILE"]["path"] == str(home / "cert.pem")
        assert files["MY_SECRET_KEY_FILE"]["path"] is None


def test_what_python_would_write_otherwise_is_left_to_it(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    facts = described("/usr/bin/python3")
    # An nvidia-smi on PATH: Python runs it.
    (tmp_path / "bin").mkdir()
    smi = tmp_path / "bin" / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'NVIDIA H200, 550.54.14'\n")
    smi.chmod(0o755)
    answer = both(facts, dict(env, PATH=f"{tmp_path / 'bin'}:/usr/bin"), tmp_path)
    assert answer["native"] is None
    assert json.loads(answer["python"] or "")["accelerators"]["gpus"] == ["NVIDIA H200"]
    # A value that is not UTF-8.
    answer = both(facts, {**env, b"ODD": b"caf\xe9"}, tmp_path)
    assert answer["native"] is None and answer["python"] is not None
    # A description that is not the interpreter's own answer (a float, a conda field).
    for odd in (dict(facts, extra=1.5), dict(facts, conda=[])):
        assert both(odd, env, tmp_path)["native"] is None


# --------------------------------------------------------------------------- whole runs

OLD = time.time() - 3600  # older than the cache's two-second "racy" window


@pytest.fixture(scope="module")
def template_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("template") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    return venv


@pytest.fixture
def venv(template_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "venv"
    shutil.copytree(template_venv, root, symlinks=True)
    [site] = (root / "lib").glob("python3*/site-packages")
    (site / "creds.pth").write_text('import sys; sys.path.append("https://user:s3cr3t@pkgs.example.com/lib")\n')
    for path in [tmp_path, *tmp_path.rglob("*")]:
        os.utime(path, (OLD, OLD), follow_symlinks=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("GENEVARS_NO_CACHE", raising=False)
    monkeypatch.setenv("INDEX_URL", "https://user:s3cr3t@pypi.example.com/simple")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t")
    monkeypatch.setenv("GREETING", "héllo ✓")
    monkeypatch.chdir(tmp_path)
    return root / "bin" / "python"


def snapshot(exe: Path, out: Path) -> bytes:
    assert main(["snapshot", "--python", str(exe), "-o", str(out), "-q"]) == 0
    return out.read_bytes()


def test_a_snapshot_file_is_the_same_made_natively_or_in_python(
    venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    native = []
    real = _core.described_parts

    def counting(facts: str, environ: Any = None) -> Optional[str]:
        parts = real(facts, environ)
        native.append(parts is not None)
        return parts

    def declining(facts: str, environ: Any = None) -> None:
        return None

    monkeypatch.setattr(_core, "described_parts", counting)
    fresh = snapshot(venv, tmp_path / "fresh.json")  # the interpreter asked
    cached = snapshot(venv, tmp_path / "cached.json")  # its saved description
    assert native == [True, True]
    monkeypatch.setattr(_core, "described_parts", declining)
    assert snapshot(venv, tmp_path / "python-cached.json") == cached == fresh
    monkeypatch.setenv("GENEVARS_NO_CACHE", "1")
    python_fresh = snapshot(venv, tmp_path / "python-fresh.json")
    monkeypatch.setattr(_core, "described_parts", counting)
    assert snapshot(venv, tmp_path / "native-fresh.json") == python_fresh
    assert native == [True, True, True]
    assert b"s3cr3t" not in fresh and b"https://***@pkgs.example.com/lib" in fresh


# --------------------------------------------------------------------------- the cache


def saved_file(exe: Path) -> Path:
    found = _core.description_cache(str(exe))
    assert found is not None
    return Path(found[0])


def test_the_native_load_reads_what_python_saved(venv: Path, tmp_path: Path) -> None:
    snapshot(venv, tmp_path / "a.json")
    record = json.loads(saved_file(venv).read_text())
    text = _core.load_description(str(venv))
    assert text is not None and json.loads(text) == record["facts"]
    assert record["key"] == json.loads(_core.description_cache(str(venv))[1])  # type: ignore[index]
    assert record["key"]["format"] == _core.DESCRIPTION_CACHE_FORMAT
    assert "s3cr3t" not in saved_file(venv).read_text()


def test_the_native_load_refuses_a_stale_or_malformed_record(
    venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot(venv, tmp_path / "a.json")
    file = saved_file(venv)
    good = json.loads(file.read_text())
    assert _core.load_description(str(venv)) is not None

    def damaged(change: Any) -> Optional[str]:
        record = json.loads(json.dumps(good))
        change(record)
        file.write_text(json.dumps(record))
        return _core.load_description(str(venv))

    def state_changed(record: Dict[str, Any]) -> None:
        record["files"][0][2][0] += 1

    assert damaged(state_changed) is None
    assert damaged(lambda r: r["files"].append([str(tmp_path), True, None])) is None  # it exists
    assert damaged(lambda r: r["files"].append(["/x", True])) is None
    assert damaged(lambda r: r["facts"].update(sys_path="/x")) is None
    assert damaged(lambda r: r["facts"].update(sys_path=[1])) is None
    assert damaged(lambda r: r["key"].update(cwd="/elsewhere")) is None
    assert damaged(lambda r: r.pop("facts")) is None
    assert damaged(lambda r: None) is not None
    # Another setting: another key, another file.
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    assert _core.load_description(str(venv)) is None
    assert saved_file(venv) != file
    monkeypatch.delenv("PYTHONPATH")
    # A watched file changes.
    [site] = (venv.parent.parent / "lib").glob("python3*/site-packages")
    (site / "creds.pth").write_text("\n")
    assert _core.load_description(str(venv)) is None


@pytest.mark.parametrize(
    "name, value",
    [("PATH", "/usr/bin:https://user:s3cr3t@host/bin"), ("PYTHONPATH", "ghp_s3cr3tvalueabcdefghijklmnopqrstu"),
     ("PYTHON_TOKEN", "x"), ("GENEVARS_NO_CACHE", "1")],
)
def test_no_cache_in_a_setting_that_would_write_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    assert _core.description_cache("/usr/bin/python3") is not None
    monkeypatch.setenv(name, value)
    assert _core.description_cache("/usr/bin/python3") is None
    assert _core.description_cache("python3") is None


def test_no_cache_when_a_variable_it_keys_on_is_not_utf8(tmp_path: Path) -> None:
    probe = "from genevars import _core; print(_core.description_cache('/usr/bin/python3') is None)"
    for extra in ({b"PYTHONPATH": b"/caf\xe9"}, {b"UNRELATED": b"caf\xe9"}):
        env: Env = {**base_env(tmp_path), **extra}
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,  # type: ignore[arg-type]
                              timeout=60, cwd=tmp_path)
        assert done.stdout.strip() == str(b"PYTHONPATH" in extra), done.stderr


def test_the_key_and_file_are_what_a_run_in_that_setting_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    file, key = _core.description_cache("venv/bin/../bin/python") or ("", "")
    assert Path(file).parent == tmp_path / "c" / "genevars" / "interpreters"
    parsed = json.loads(key)
    assert parsed["exe"] == str(tmp_path / "venv" / "bin" / "python")
    assert parsed["cwd"] == str(tmp_path) and parsed["uname"] == list(os.uname())
    assert parsed["env"] == sorted([n, v] for n, v in os.environ.items() if n.startswith("PYTHON") or n in ("HOME", "PATH"))
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    file, _ = _core.description_cache("/p/python") or ("", "")
    assert Path(file).parent == tmp_path / "h" / ".cache" / "genevars" / "interpreters"
