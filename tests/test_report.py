"""The text and HTML reports: summary first, geneva's sections, expected findings hidden
but counted, colour only when asked, HTML escaped with errors first."""

from __future__ import annotations

import json
import re

from genevars._compare import compare_node_snapshots, compare_snapshots
from test_compare_support import LOCAL, REMOTE, snapshot, variant

SECTIONS = [
    "=== PYTHON / PLATFORM ===",
    "=== ENV VARS: keys only in LOCAL ===",
    "=== ENV VARS: keys only in REMOTE ===",
    "=== PACKAGES: version mismatches ===",
    "=== PACKAGES: only in LOCAL ===",
    "=== PACKAGES: only in REMOTE ===",
    "=== sys.path differences ===",
]


def test_summary_comes_first_with_each_error_and_its_hint():
    text = compare_snapshots(LOCAL, REMOTE).report(color=False)
    first = text.splitlines()[0]
    assert first.startswith("genevars: local vs remote: PROBLEMS FOUND: 2 errors, 2 warnings, 3 info, 5 expected")
    head = text[: text.index("=== PYTHON / PLATFORM ===")]
    assert "numpy major version differs: 1.26.4 locally, 2.2.6 remotely" in head
    assert "hint: ModuleNotFoundError: No module named 'numpy._core.numeric'" in head
    assert "hint: TypeError: Enum.__new__() missing 1 required positional argument; pin attrs==23.2.0" in head
    assert "permission denied / storage authentication failures" in head


def test_geneva_sections_in_order():
    text = compare_snapshots(LOCAL, REMOTE).report(color=False)
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert "  * numpy: local=1.26.4  remote=2.2.6  [error]" in text
    assert "  + my-custom-package (1.0)  [warning]" in text
    assert "  + kuberay-client (1.1)  [info]" in text
    assert "  + CONDA_PREFIX  [info]" in text
    assert "Exec  : /venv/bin/python" in text


def test_every_section_appears_even_when_empty():
    text = compare_snapshots(REMOTE, REMOTE).report(color=False)
    for section in SECTIONS:
        assert section in text
    assert text.splitlines()[0].startswith("genevars: local vs remote: OK: 0 errors")


def test_expected_findings_are_hidden_counted_and_shown_with_show_all():
    result = compare_snapshots(LOCAL, REMOTE)
    text = result.report(color=False)
    assert "RAY_JOB_ID" not in text
    assert "OMP_NUM_THREADS" not in text
    assert "(3 expected hidden" in text
    full = result.report(show_all=True, color=False)
    assert "+ RAY_JOB_ID  [expected]" in full
    assert "ray/thirdparty_files  [expected]" in full
    # Both snapshots are appended as JSON.
    assert "=== LOCAL SNAPSHOT (JSON, secrets withheld) ===" in full
    assert "=== REMOTE SNAPSHOT (JSON, secrets withheld) ===" in full
    tail = full[full.index("=== REMOTE SNAPSHOT") :].split("\n", 1)[1]
    assert json.loads(tail)["env"]["RAY_JOB_ID"] == "01000000"


def test_colour_only_when_asked(monkeypatch, capsys):
    result = compare_snapshots(LOCAL, REMOTE)
    assert "\x1b[" in result.report(color=True)
    assert "\x1b[" not in result.report(color=False)
    # color=None decides from stdout: under pytest it is not a terminal.
    assert "\x1b[" not in result.report()

    class Tty:
        def isatty(self):
            return True

    import genevars._compare as mod

    monkeypatch.setattr(mod.sys, "stdout", Tty())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in result.report()
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in result.report()


def test_str_is_the_plain_report():
    result = compare_snapshots(LOCAL, REMOTE)
    assert str(result) == result.report(color=False)


def test_html_is_escaped_and_errors_come_first():
    local = snapshot({"numpy": "1.26.4"}, {"MY_SETTING": "<script>alert(1)</script>"})
    remote = snapshot({"numpy": "2.2.6", "extra": "1.0"}, {"MY_SETTING": "plain & simple"})
    html = compare_snapshots(local, remote)._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "plain &amp; simple" in html
    severities = re.findall(r'<tr class="gv-(error|warning|info|expected)">', html)
    assert severities[0] == "error"
    ranks = {"error": 3, "warning": 2, "info": 1, "expected": 0}
    assert [ranks[s] for s in severities] == sorted((ranks[s] for s in severities), reverse=True)
    assert html.startswith("<div") and html.endswith("</div>")


def test_node_report_names_groups_and_drift():
    base = snapshot({"numpy": "1.26.4"})
    nodes = []
    for node_id in ("n1", "n2", "n3"):
        n = variant(base, origin={"node_id": node_id, "node_address": "127.0.0.1", "hostname": node_id})
        nodes.append(n)
    nodes[2]["packages"][0]["version"] = "2.2.6"
    text = compare_node_snapshots(base, nodes).report(color=False)
    assert "=== NODES: 3 nodes, 2 distinct environments ===" in text
    assert "group 0: 2 nodes: n1 (127.0.0.1), n2 (127.0.0.1)" in text
    assert "group 1: 1 node: n3 (127.0.0.1)" in text
    lines = text.splitlines()
    start = lines.index("=== DRIFT BETWEEN NODE GROUPS: what they disagree on ===")
    assert lines[start + 1].split() == ["local", "group", "0", "group", "1"]
    assert lines[start + 2].split() == ["numpy", "1.26.4", "1.26.4", "2.2.6", "[error]"]
    assert "numpy major version differs: 1.26.4 locally, 2.2.6 remotely (critical package) [nodes: n3]" in text
    assert "node groups disagree: numpy major version differs: 1.26.4 on group 0, 2.2.6 on group 1" in text
    # At a glance, the drift finding does not repeat the local-vs-group error.
    head = text[: text.index("=== NODES")]
    assert head.count("numpy major version differs") == 1 and "disagree" not in head
