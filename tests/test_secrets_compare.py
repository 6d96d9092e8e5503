"""Canary secrets: a secret value present in the snapshots (even revealed ones) must appear
nowhere in what a comparison produces: text report (with show_all), JSON, HTML, repr,
findings, logs, CLI output and error messages, unless the comparison itself is asked to
reveal values (``reveal_values=True`` / ``genevars diff --reveal-values``)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

import genevars
from genevars._compare import compare_many, compare_node_snapshots, compare_snapshots
from test_compare_support import snapshot, variant, withheld, write

CANARY = "canary-7f3a9c-s3cr3t"
URL_PASSWORD = "hunter2-canary"


def leaky_pair():
    # The local snapshot was taken with reveal_values: plain secret values.
    local = snapshot(
        {"numpy": "1.26.4"},
        {
            "MY_API_KEY": CANARY,
            "AWS_SECRET_ACCESS_KEY": CANARY,
            "DB_PASSWORD": CANARY + "-local",
            "PIP_INDEX_URL": f"https://user:{URL_PASSWORD}@pypi.example.com/simple",
            "DATA_URL": f"s3://bucket/key?X-Amz-Signature={CANARY}&x=1",
        },
    )
    remote = snapshot(
        {"numpy": "2.2.6"},
        {
            "MY_API_KEY": CANARY + "-other",
            "DB_PASSWORD": withheld("hmac-sha256:" + "d" * 32),
            "PIP_INDEX_URL": f"https://user:{URL_PASSWORD}-2@pypi.example.com/simple",
            "DATA_URL": withheld(None, "s3://bucket/key?X-Amz-Signature=***&x=2", "url-credentials"),
        },
    )
    return local, remote


def assert_clean(text: str, where: str) -> None:
    assert CANARY not in text, f"secret leaked into {where}"
    assert URL_PASSWORD not in text, f"URL password leaked into {where}"


def test_no_secret_in_any_rendering(caplog):
    caplog.set_level(logging.DEBUG)
    local, remote = leaky_pair()
    result = compare_snapshots(local, remote)
    # The differences are still reported.
    subjects = {f["subject"] for f in result.findings}
    assert {"MY_API_KEY", "AWS_SECRET_ACCESS_KEY", "PIP_INDEX_URL", "DATA_URL"} <= subjects
    assert_clean(result.report(show_all=True, color=False), "the text report")
    assert_clean(result.report(show_all=True, color=True), "the coloured report")
    assert_clean(result.to_json(), "the JSON")
    assert_clean(json.dumps(result.to_dict()), "to_dict")
    assert_clean(result._repr_html_(), "the HTML")
    assert_clean(repr(result), "the repr")
    assert_clean(str(result), "str()")
    assert_clean(json.dumps(result.findings), "the findings")
    assert_clean(caplog.text, "the logs")
    data = result.to_dict()
    assert data["local"]["env"]["MY_API_KEY"] == {"withheld": "secret", "fingerprint": None, "display": None}
    assert data["local"]["env"]["PIP_INDEX_URL"]["display"] == "https://***@pypi.example.com/simple"


def test_no_secret_in_node_and_many_comparisons():
    local, remote = leaky_pair()
    node = variant(remote, origin={"node_id": "n1", "node_address": "127.0.0.1", "hostname": "h"})
    nodes = compare_node_snapshots(local, [node], [{"node_id": "n2", "node_address": None, "error": f"failed at https://u:{URL_PASSWORD}@x/"}])
    many = compare_many([local, remote, remote])
    for result in (nodes, many):
        assert_clean(result.report(show_all=True, color=False), f"{result.kind} report")
        assert_clean(result.to_json(), f"{result.kind} JSON")
        assert_clean(result._repr_html_(), f"{result.kind} HTML")


def test_no_secret_in_error_messages(tmp_path):
    local, _ = leaky_pair()
    broken = variant(local)
    del broken["platform"]
    with pytest.raises(genevars.SnapshotError) as info:
        compare_snapshots(local, broken)
    assert_clean(str(info.value), "a SnapshotError")
    bad_value = variant(local)
    bad_value["env"]["MY_API_KEY"] = {"display": CANARY}
    with pytest.raises(genevars.SnapshotError) as info:
        compare_snapshots(local, bad_value)
    assert_clean(str(info.value), "a SnapshotError about a malformed value")


def test_no_secret_in_cli_output(tmp_path):
    local, remote = leaky_pair()
    a = write(tmp_path / "a.json", local)
    b = write(tmp_path / "b.json", remote)
    for flags in ([], ["--show-all"], ["--json"], ["--json", "--show-all"]):
        proc = subprocess.run(
            [sys.executable, "-m", "genevars", "diff", str(a), str(b), *flags],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 1, proc.stderr
        assert_clean(proc.stdout + proc.stderr, f"genevars diff {' '.join(flags)}")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**local, "schema": "genevars.snapshot/7"}), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "genevars", "diff", str(a), str(broken)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert_clean(proc.stdout + proc.stderr, "a CLI error")


def revealed_everywhere(result) -> None:
    """What a comparison made with reveal_values shows: the plain values."""
    report = result.report(show_all=False, color=False)
    assert f"local={CANARY}" in report, report
    assert URL_PASSWORD in report
    data = result.to_dict()
    assert data["options"]["reveal_values"] is True
    assert data["local"]["env"]["MY_API_KEY"] == CANARY
    diffs = {d["key"]: d for d in data["env_diffs"]["diffs"]}
    assert diffs["MY_API_KEY"]["local"] == CANARY
    assert diffs["MY_API_KEY"]["remote"] == CANARY + "-other"
    assert diffs["PIP_INDEX_URL"]["local"] == f"https://user:{URL_PASSWORD}@pypi.example.com/simple"
    key = next(f for f in result.findings if f["subject"] == "MY_API_KEY")
    assert (key["local"], key["remote"]) == (CANARY, CANARY + "-other")
    assert CANARY in result.to_json() and CANARY in result._repr_html_()


def test_reveal_values_shows_plain_values_in_report_json_and_env_diffs():
    local, remote = leaky_pair()
    revealed_everywhere(compare_snapshots(local, remote, reveal_values=True))
    result = compare_snapshots(local, remote, reveal_values=True)
    # A value withheld at capture has nothing to reveal (and no fingerprint of the plain
    # side to compare with): it stays withheld.
    pw = next(f for f in result.findings if f["subject"] == "DB_PASSWORD")
    assert pw["code"] == "cannot_tell" and pw["remote"] == genevars._core.WITHHELD
    # The default, on the very same snapshots, still withholds everything.
    default = compare_snapshots(local, remote)
    assert default.to_dict()["options"]["reveal_values"] is False
    assert_clean(default.report(show_all=True, color=False) + default.to_json(), "the default")


def test_reveal_values_in_node_and_many_comparisons():
    local, remote = leaky_pair()
    node = variant(remote, origin={"node_id": "n1", "node_address": "127.0.0.1", "hostname": "h"})
    revealed_everywhere(compare_node_snapshots(local, [node], reveal_values=True))
    many = compare_many([local, remote, remote], reveal_values=True)
    assert f"local={CANARY}" in many.report(color=False)
    assert CANARY in many.to_json()


def test_without_reveal_at_capture_there_is_nothing_to_reveal():
    # Both sides withheld (taken without reveal): fingerprints decide, values stay hidden.
    fp_a, fp_b = "hmac-sha256:" + "a" * 32, "hmac-sha256:" + "b" * 32
    local = snapshot({}, {"MY_API_KEY": withheld(fp_a), "API_TOKEN": withheld(fp_a)})
    remote = snapshot({}, {"MY_API_KEY": withheld(fp_b), "API_TOKEN": withheld(fp_a)})
    result = compare_snapshots(local, remote, reveal_values=True)
    subjects = {f["subject"]: f for f in result.findings}
    assert "API_TOKEN" not in subjects
    assert subjects["MY_API_KEY"]["local"] == genevars._core.WITHHELD
    assert result["env_diffs"]["diffs"] == [
        {"key": "MY_API_KEY", "local": genevars._core.WITHHELD, "remote": genevars._core.WITHHELD}
    ]


def test_cli_diff_reveal_values(tmp_path):
    local, remote = leaky_pair()
    a = write(tmp_path / "a.json", local)
    b = write(tmp_path / "b.json", remote)
    run = lambda *flags: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "genevars", "diff", str(a), str(b), *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )
    text = run("--reveal-values")
    assert text.returncode == 1, text.stderr
    assert f"local={CANARY}" in text.stdout
    as_json = run("--reveal-values", "--json")
    data = json.loads(as_json.stdout)
    assert {"key": "MY_API_KEY", "local": CANARY, "remote": CANARY + "-other"} in data["env_diffs"]["diffs"]
    assert_clean(run().stdout, "genevars diff without --reveal-values")
    helptext = subprocess.run(
        [sys.executable, "-m", "genevars", "diff", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    assert "--reveal-values" in helptext


def test_a_list_env_value_is_refused_without_quoting_it():
    local, _ = leaky_pair()
    bad = variant(local)
    bad["env"]["MY_API_KEY"] = ["secret", "hmac-sha256:" + "0" * 32, CANARY]
    with pytest.raises(genevars.SnapshotError) as info:
        compare_snapshots(local, bad)
    message = str(info.value)
    assert "env.MY_API_KEY: invalid type: sequence, expected a string or a withheld object" in message
    assert "remote snapshot" in message and "\n" not in message
    assert_clean(message, "a SnapshotError about a list value")
    bad["env"]["MY_API_KEY"] = {"withheld": "secret", "fingerprint": CANARY}
    with pytest.raises(genevars.SnapshotError) as info:
        compare_snapshots(local, bad)
    assert_clean(str(info.value), "a SnapshotError about a bad fingerprint")
    bad["python"]["version_info"]["major"] = CANARY
    with pytest.raises(genevars.SnapshotError) as info:
        compare_snapshots(local, bad)
    assert "invalid type: string, expected u32" in str(info.value)
    assert_clean(str(info.value), "a SnapshotError about a mistyped field")


def test_revealed_snapshots_show_no_credentials_from_sys_path_metadata_or_shapes():
    # Snapshots taken with reveal_values hold everything plain; a comparison that was not
    # asked to reveal shows none of it, and the differences are still reported.
    from test_compare_support import package

    jwt = f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.{CANARY}"
    local = snapshot(
        {"numpy": "1.26.4"},
        {"IDENTITY": jwt, "HOSTS": f"admin:{CANARY}@h1,h2"},
        sys_path=[f"https://user:{CANARY}@pkgs.example.com/lib", "/usr/lib/python3.11"],
    )
    local["packages"].append(
        package("priv", "1.0", requires_dist=[f"dep @ https://u:{URL_PASSWORD}@pkgs.example.com/dep.whl"])
    )
    remote = variant(local, env={"IDENTITY": jwt + "x"}, sys_path=["/usr/lib/python3.11"])
    result = compare_snapshots(local, remote)
    texts = [result.report(show_all=True, color=False), result.to_json(), result._repr_html_(), repr(result)]
    for text in texts:
        assert_clean(text, "a rendering of revealed snapshots")
    assert "https://***@pkgs.example.com/lib" in texts[0]
    assert "IDENTITY" in {f["subject"] for f in result.findings}
    shown = compare_snapshots(local, remote, reveal_values=True).report(show_all=True, color=False)
    assert CANARY in shown
