"""Credential files per node: the probe records whether each credential file the driver
uses exists and is readable (path, size, keyed fingerprint, never the content), and a
file present locally but missing on a node is a warning with the fix. Fixtures use a
temporary HOME."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from genevars import _core, _probe, compare_snapshots

AWS_SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
AWS_CREDENTIALS = f"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {AWS_SECRET}\n"
KEY = bytes(range(32))


def home_with_credentials(root: Path) -> Path:
    (root / ".aws").mkdir(parents=True)
    (root / ".aws" / "credentials").write_text(AWS_CREDENTIALS)
    (root / "key.json").write_text('{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----x"}')
    return root


def take(environ: dict, wanted=None, key: bytes | None = KEY) -> dict:
    rules = _core.secret_rules()
    return {f["name"]: f for f in _probe.credential_files(environ, rules, key, wanted)}


def test_the_probe_records_presence_size_and_a_keyed_fingerprint_never_the_content(tmp_path: Path):
    home = home_with_credentials(tmp_path / "laptop")
    env = {"HOME": str(home), "GOOGLE_APPLICATION_CREDENTIALS": str(home / "key.json"),
           "MY_CONFIG_FILE": str(home / "absent.toml"), "LD_LIBRARY_PATH": "/a:/b"}
    files = take(env)
    aws = files["~/.aws/credentials"]
    assert (aws["exists"], aws["readable"], aws["size"]) == (True, True, len(AWS_CREDENTIALS))
    assert aws["fingerprint"].startswith("hmac-sha256:")
    google = files["GOOGLE_APPLICATION_CREDENTIALS"]
    # A secret-looking variable: the file is checked, its path not recorded.
    assert (google["exists"], google["path"], google["withheld"]) == (True, None, True)
    assert files["MY_CONFIG_FILE"]["exists"] is False
    assert "LD_LIBRARY_PATH" not in files  # a list of paths, not a file
    assert files["~/.netrc"]["exists"] is False
    text = json.dumps(files)
    assert AWS_SECRET not in text and "PRIVATE KEY" not in text
    # Fingerprints are keyed: another key, another fingerprint; no key, none.
    assert take(env, key=bytes(32))["~/.aws/credentials"]["fingerprint"] != aws["fingerprint"]
    assert take(env, key=None)["~/.aws/credentials"]["fingerprint"] is None
    # What the driver uses, by name: the files that exist and the variables naming paths.
    assert _probe.credential_sources(env) == ["~/.aws/credentials", "GOOGLE_APPLICATION_CREDENTIALS"]


def test_a_fifo_named_by_a_variable_is_not_opened(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    files = take({"HOME": str(tmp_path), "MY_TOKEN_FILE": str(fifo)})
    assert (files["MY_TOKEN_FILE"]["exists"], files["MY_TOKEN_FILE"]["fingerprint"]) == (True, None)


def test_a_node_checks_the_drivers_sources_by_name(tmp_path: Path):
    node_home = tmp_path / "node"
    node_home.mkdir()
    files = take({"HOME": str(node_home)}, wanted=["~/.aws/credentials", "GOOGLE_APPLICATION_CREDENTIALS"])
    assert set(files) == {"~/.aws/credentials", "GOOGLE_APPLICATION_CREDENTIALS"}
    assert files["~/.aws/credentials"] == {
        "name": "~/.aws/credentials", "path": str(node_home / ".aws" / "credentials"), "withheld": False,
        "exists": False, "readable": False, "size": None, "fingerprint": None,
    }
    assert files["GOOGLE_APPLICATION_CREDENTIALS"]["path"] is None  # not set on the node


def test_a_missing_credential_file_is_a_warning_with_the_fix_in_text_json_and_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    home = home_with_credentials(tmp_path / "laptop")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(home / "key.json"))
    options = {"secret_rules": _core.secret_rules(), "paths": [], "fingerprint_key": KEY.hex()}
    local = _probe.take_snapshot(dict(options, credential_sources=_probe.credential_sources(os.environ)))
    node_home = tmp_path / "node"
    node_home.mkdir()
    monkeypatch.setenv("HOME", str(node_home))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    remote = _probe.take_snapshot(dict(options, credential_sources=_probe.credential_sources({"HOME": str(home), "GOOGLE_APPLICATION_CREDENTIALS": str(home / "key.json")})))
    result = compare_snapshots(local, remote)
    found = {f["subject"]: f for f in result.findings if f["category"] == "credential_file"}
    assert set(found) == {"~/.aws/credentials", "GOOGLE_APPLICATION_CREDENTIALS"}
    aws = found["~/.aws/credentials"]
    assert (aws["severity"], aws["code"]) == ("warning", "credential_file.missing")
    assert "put ~/.aws/credentials on every node" in aws["hint"]
    report = result.report(color=False)
    assert "~/.aws/credentials exists locally" in report
    data = result.to_json()
    assert "credential_file.missing" in data
    assert "~/.aws/credentials exists locally" in result._repr_html_()
    for text in (report, data, result._repr_html_(), json.dumps(local), json.dumps(remote)):
        assert AWS_SECRET not in text and "PRIVATE KEY" not in text
