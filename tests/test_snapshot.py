"""The public Snapshot API: taking, saving, loading, and refusing malformed files."""

from __future__ import annotations

import json
import os
import secrets
import sys
import sysconfig
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest

import genevars
from genevars import Snapshot, SnapshotError, snapshot_env
from snapshot_trees import dist_info, write

CANARY = "canary-" + secrets.token_hex(8)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    dist_info(site, "NumPy", "1.26.4")
    dist_info(site, "pandas", "2.2.2", extra="Requires-Dist: numpy>=1.22.4\n")
    return site


def test_snapshot_of_paths(site: Path) -> None:
    snap = snapshot_env([site])
    assert snap.packages == {"numpy": "1.26.4", "pandas": "2.2.2"}
    assert snap.sys_path == [str(site)]
    assert snap.created_by["scanner"] == "native"
    assert snap.unreadable == []
    assert snap.origin is None
    assert snap.genevars_version == genevars.__version__
    [pandas] = [d for d in snap.distributions if d["name"] == "pandas"]
    assert pandas["requires_dist"] == ["numpy>=1.22.4"]
    assert snap.python["version_info"]["major"] == sys.version_info.major
    assert snap.platform["system"]
    assert snap.markers["python_version"] == "%d.%d" % sys.version_info[:2]


def test_save_and_load_round_trip(site: Path, tmp_path: Path) -> None:
    snap = snapshot_env([site])
    path = tmp_path / "snap.json"
    snap.save(path)
    again = Snapshot.load(path)
    assert again == snap
    assert again.to_dict() == snap.to_dict()
    assert Snapshot.from_json(snap.to_json(indent=None)) == snap
    assert Snapshot.from_dict(snap.to_dict()) == snap
    assert json.loads(path.read_text())["schema"] == "genevars.snapshot/1"


def test_properties_are_copies(site: Path) -> None:
    snap = snapshot_env([site])
    snap.to_dict()["packages"].clear()
    snap.env.clear()
    snap.distributions[0]["version"] = "0"
    assert snap.packages == {"numpy": "1.26.4", "pandas": "2.2.2"}
    assert snap.env


def test_repr_and_json_hold_no_secret(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENEVARS_TEST_SECRET", CANARY)
    monkeypatch.setenv("GENEVARS_TEST_URL", f"https://u:{CANARY}@host/simple")
    snap = snapshot_env([site], fingerprint_key=secrets.token_bytes(32))
    assert CANARY not in repr(snap)
    assert CANARY not in snap.to_json()
    assert snap.env["GENEVARS_TEST_SECRET"]["fingerprint"].startswith("hmac-sha256:")
    assert "2 packages" in repr(snap)
    revealed = snapshot_env([site], reveal_values=True)
    assert revealed.env["GENEVARS_TEST_SECRET"] == CANARY
    assert CANARY not in repr(revealed)


def test_fingerprint_key_forms(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENEVARS_TEST_SECRET", CANARY)
    key = secrets.token_bytes(16)
    a = snapshot_env([site], fingerprint_key=key).env["GENEVARS_TEST_SECRET"]
    b = snapshot_env([site], fingerprint_key=key.hex()).env["GENEVARS_TEST_SECRET"]
    assert a == b
    assert a["fingerprint"] == genevars._core.fingerprint(key, CANARY)
    with pytest.raises(SnapshotError, match="fingerprint_key must be bytes or a hex string"):
        snapshot_env([site], fingerprint_key="not hex")


def test_snapshot_of_this_interpreter_by_its_path() -> None:
    here = snapshot_env([])
    other = snapshot_env(python=sys.executable)
    # What a fresh interpreter has on its path (this process's sys.path may have been
    # extended by other tests).
    site_packages = sysconfig.get_paths()["purelib"]
    assert site_packages in other.sys_path
    installed = snapshot_env([site_packages]).packages
    assert installed and other.packages == installed
    assert other.python == here.python
    assert other.markers == here.markers


def test_snapshot_of_another_interpreter(tmp_path: Path) -> None:
    from test_probe import PYTHON38

    if PYTHON38 is None:
        pytest.skip("no Python 3.8 interpreter on this machine")
    snap = snapshot_env(python=PYTHON38)
    assert snap.python["version_info"]["minor"] == 8
    assert snap.markers["python_version"] == "3.8"
    assert snap.genevars_version is None  # genevars is not installed there
    assert snap.created_by["scanner"] == "native"  # scanned here, natively
    assert any("3.8" in p for p in snap.sys_path)
    assert "genevars" not in snap.packages


@pytest.mark.parametrize(
    "python, message",
    [
        ("/nonexistent/python", "no such interpreter"),
        (__file__, "not executable"),
        ("/bin/false", "exited with status 1"),
        ("/bin/echo", "its answer was not the expected JSON"),
    ],
)
def test_bad_interpreter_is_one_clear_line(python: str, message: str) -> None:
    with pytest.raises(SnapshotError) as info:
        snapshot_env(python=python)
    text = str(info.value)
    assert text.startswith(f"--python {python}: ")
    assert message in text
    assert "\n" not in text


# ------------------------------------------------------------------ malformed snapshot files


def valid() -> Dict[str, Any]:
    return snapshot_env([]).to_dict()


def changed(edit: Callable[[Dict[str, Any]], Any]) -> str:
    data = valid()
    edit(data)
    return json.dumps(data)


def _set(path: List[Any], value: Any) -> Callable[[Dict[str, Any]], None]:
    def edit(data: Dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _drop(key: str) -> Callable[[Dict[str, Any]], None]:
    return lambda data: data.pop(key)


PACKAGE = {
    "name": "numpy", "display_name": "numpy", "version": "1.26.4", "location": "/s",
    "metadata_path": "/s/numpy-1.26.4.dist-info", "kind": "dist-info",
}

MALFORMED_FILES: List[Tuple[str, "str | bytes", str]] = [
    ("empty-file", "", "not valid JSON at line 1, column 0"),
    ("truncated", '{"schema": "genevars.snapshot/1", ', "not valid JSON"),
    ("single-quotes", "{'schema': 1}", "not valid JSON at line 1, column 2"),
    ("trailing-garbage", changed(lambda d: None) + " extra", "not valid JSON"),
    ("top-level-array", "[]", "the top level must be a JSON object"),
    ("top-level-string", '"genevars.snapshot/1"', "the top level must be a JSON object"),
    ("no-schema", changed(_drop("schema")), 'no "schema" field'),
    ("schema-number", changed(_set(["schema"], 1)), "is not a genevars snapshot schema"),
    ("foreign-schema", changed(_set(["schema"], "genevars.comparison/1")), "is not a genevars snapshot schema"),
    ("unknown-major", changed(_set(["schema"], "genevars.snapshot/2")), "is newer than this genevars reads (major 1); upgrade genevars"),
    ("missing-python", changed(_drop("python")), "missing field `python`"),
    ("missing-env", changed(_drop("env")), "missing field `env`"),
    ("packages-as-map", changed(_set(["packages"], {"numpy": "1.0"})), "invalid type: map, expected a sequence"),
    ("version-as-number", changed(_set(["packages"], [dict(PACKAGE, version=1.5)])), "expected a string"),
    ("unknown-kind", changed(_set(["packages"], [dict(PACKAGE, kind="wheel")])), "unknown variant, expected one of `dist-info`, `egg-info`, `egg`"),
    ("name-not-normalized", changed(_set(["packages"], [dict(PACKAGE, name="NumPy")])), 'packages[0].name "NumPy" is not normalized (expected "numpy")'),
    ("duplicate-package", changed(_set(["packages"], [PACKAGE, PACKAGE])), 'packages[1]: "numpy" is listed twice'),
    ("major-as-string", changed(_set(["python", "version_info", "major"], "3")), 'invalid type: string, expected u32'),
    ("env-value-number", changed(_set(["env", "X"], 5)), "env.X: invalid type: integer, expected a string or a withheld object"),
    ("env-value-list", changed(_set(["env", "X"], ["secret", None, "VALUE"])), "env.X: invalid type: sequence, expected a string or a withheld object"),
    ("unknown-withheld", changed(_set(["env", "X"], {"withheld": "maybe"})), 'env.X: unknown "withheld" kind; expected "secret" or "url-credentials"'),
    ("bad-fingerprint", changed(_set(["env", "X"], {"withheld": "secret", "fingerprint": "md5:1"})), "env.X: fingerprint is not"),
    ("sys-path-string", changed(_set(["sys_path"], "/usr/lib")), "expected a sequence"),
    ("not-utf8", b'{"schema": "genevars.snapshot/1", "cwd": "\xff"}', "not UTF-8 text (byte 42)"),
]


@pytest.mark.parametrize("content, message", [c[1:] for c in MALFORMED_FILES], ids=[c[0] for c in MALFORMED_FILES])
def test_malformed_snapshot_file_is_refused_in_one_line(tmp_path: Path, content: "str | bytes", message: str) -> None:
    path = write(tmp_path / "worker.json", content)
    with pytest.raises(SnapshotError) as info:
        Snapshot.load(path)
    text = str(info.value)
    assert text.startswith(f"{path}: "), text
    assert message in text, text
    assert "\n" not in text


CANARY = "hunter2-canary-5e1d"
QUOTING_FILES = [
    ("env-list", _set(["env", "API_KEY"], ["secret", "hmac-sha256:" + "0" * 32, CANARY])),
    ("env-bad-display", _set(["env", "API_KEY"], {"withheld": "secret", "display": [CANARY]})),
    ("env-bad-kind", _set(["env", "API_KEY"], {"withheld": CANARY})),
    ("cwd-number", _set(["cwd"], [CANARY])),
    ("major-string", _set(["python", "version_info", "major"], CANARY)),
    ("kind-variant", _set(["packages"], [dict(PACKAGE, kind=CANARY)])),
]


@pytest.mark.parametrize("edit", [c[1] for c in QUOTING_FILES], ids=[c[0] for c in QUOTING_FILES])
def test_errors_do_not_quote_input_values(tmp_path: Path, edit: Callable[[Dict[str, Any]], None]) -> None:
    path = write(tmp_path / "worker.json", changed(edit))
    with pytest.raises(SnapshotError) as info:
        Snapshot.load(path)
    text = str(info.value)
    assert text.startswith(f"{path}: ") and "\n" not in text, text
    assert CANARY not in text, text
    assert "env.API_KEY" in text or "line " in text, text


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"nope\.json: no such file; give the path of a snapshot file$"):
        Snapshot.load(tmp_path / "nope.json")
    with pytest.raises(SnapshotError, match=r": is a directory, not a snapshot file$"):
        Snapshot.load(tmp_path)


def test_from_json_and_from_dict_name_their_source() -> None:
    with pytest.raises(SnapshotError, match=r"^<string>: not valid JSON"):
        Snapshot.from_json("{")
    with pytest.raises(SnapshotError, match=r"^upload: not a genevars snapshot"):
        Snapshot.from_json("[]", source="upload")
    with pytest.raises(SnapshotError, match=r"^<dict>: no \"schema\" field"):
        Snapshot.from_dict({})
    with pytest.raises(SnapshotError, match=r"^<dict>: a snapshot must be a dict, not list"):
        Snapshot.from_dict([])  # type: ignore[arg-type]


def test_validate_snapshot_normalizes_defaults() -> None:
    data = valid()
    for optional in ("unreadable", "created_by", "genevars_version"):
        data.pop(optional)
    normalized = json.loads(genevars._core.validate_snapshot(json.dumps(data), "x"))
    assert normalized["unreadable"] == []
    assert normalized["genevars_version"] is None
    assert normalized["created_by"] == {"tool": "", "version": "", "scanner": ""}


def test_a_newer_minor_schema_with_new_fields_loads() -> None:
    data = valid()
    data["schema"] = "genevars.snapshot/1.3"
    data["gpu"] = {"cuda": "12.1"}
    assert Snapshot.from_dict(data).packages == {}


def test_secret_not_echoed_in_errors(tmp_path: Path) -> None:
    text = changed(_set(["env", "X"], {"withheld": 7, "display": CANARY}))
    path = write(tmp_path / "s.json", text)
    with pytest.raises(SnapshotError) as info:
        Snapshot.load(path)
    assert CANARY not in str(info.value)
