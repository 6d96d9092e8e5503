"""genevars.list_codes(): every finding code, what it means and how it is treated, from
the core's typed codes."""

from __future__ import annotations

import genevars
from genevars._compare import compare_snapshots
from test_compare_support import LOCAL, REMOTE

KEYS = {"code", "category", "section", "severity_from", "counts_in_fingerprint", "fix", "description"}


def test_every_entry_is_complete_and_names_one_code():
    codes = genevars.list_codes()
    assert codes and all(set(c) == KEYS for c in codes)
    assert all(c["description"] and c["severity_from"] for c in codes)
    pairs = [(c["category"], c["code"]) for c in codes]
    assert len(pairs) == len(set(pairs))
    # One text, several categories: (category, code) tells them apart.
    assert {c["category"] for c in codes if c["code"] == "only_local"} == {"package", "env", "sys_path"}
    fixes = {c["fix"] for c in codes}
    assert fixes <= {"pin_package", "pass_variable", "advise_image", "advise_conda", "nothing"}


def test_entries_say_what_the_core_does():
    by = {(c["category"], c["code"]): c for c in genevars.list_codes()}
    major = by[("package", "version.major")]
    assert major["section"] == "package_versions"
    assert major["fix"] == "pin_package"
    assert major["counts_in_fingerprint"] is True
    assert "critical|package|tooling" in major["severity_from"]
    assert by[("env", "credential_missing")]["section"] == "env_only_local"
    assert by[("env", "credential_missing")]["severity_from"] == "knowledge.toml [severity.env] credential_missing"
    assert by[("env", "per_node")]["counts_in_fingerprint"] is False
    assert by[("unreachable", "unreachable")]["section"] == "nodes"
    assert by[("rule", "rule.<id>")]["section"] == "summary"
    drift = [c for c in by.values() if c["code"] == "drift.<code>"]
    assert len(drift) == 1 and drift[0]["section"] == "drift"


def test_every_code_a_comparison_reports_is_listed():
    listed = {(c["category"], c["code"]) for c in genevars.list_codes()}
    result = compare_snapshots(LOCAL, REMOTE)
    assert result.findings
    for f in result.findings:
        code = "rule.<id>" if f["code"].startswith("rule.") else f["code"]
        assert (f["category"], code) in listed, f
