"""fix_manifest_builder on comparison JSON (the contract of DESIGN.md), without a cluster.

The comparison object here is a stand-in exposing ``to_dict()``, shaped like
``ComparisonResult.to_dict()``: the real loop on a Ray cluster is in test_manifest_ray.py.
"""

from __future__ import annotations

import warnings

import pytest

from genevars import ManifestError
from genevars._manifest import fix_manifest_builder


def package(name, version, direct_url=None, display_name=None):
    return {
        "name": name,
        "display_name": display_name or name,
        "version": version,
        "location": "/venv/lib/python3.11/site-packages",
        "metadata_path": f"/venv/lib/python3.11/site-packages/{name}-{version}.dist-info",
        "kind": "dist-info",
        "installer": "pip",
        "direct_url": direct_url,
    }


def finding(severity, category, subject, code, local, remote, group=None):
    f = {
        "severity": severity,
        "category": category,
        "subject": subject,
        "code": code,
        "local": local,
        "remote": remote,
        "message": f"{subject} differs",
        "hint": None,
    }
    if group is not None:
        f["group"] = group
    return f


class StandInComparison:
    def __init__(self, data):
        self._data = data

    def to_dict(self):
        return self._data


def comparison():
    local_packages = [
        package("numpy", "1.26.4"),
        package("attrs", "23.2.0"),
        package("my-custom-package", "0.1.0"),
        package("mylib", "0.3.0", {"url": "file:///home/me/src/mylib", "editable": True, "kind": "dir"}),
        package("built", "1.0", {"url": "file:///home/me/wheels/built-1.0.tar.gz", "editable": False, "kind": "archive"}),
        package("ray", "2.40.0"),
        package("genevars", "0.1.0"),
        package("typing-extensions", "4.12.2", display_name="typing_extensions"),
        package("torch", "2.0.1"),
        package("odd", "1.0-custom"),
    ]
    findings = [
        # Expected (vendored) on one group, a real difference on another: pinned.
        finding("expected", "package", "attrs", "vendored", "23.2.0", "21.0.0", group=1),
        finding("error", "package", "numpy", "version.major", "1.26.4", "2.2.6", group=0),
        finding("warning", "package", "attrs", "version.minor", "23.2.0", "24.2.0", group=0),
        finding("info", "package", "my-custom-package", "only_local", "0.1.0", None, group=0),
        finding("info", "package", "mylib", "only_local", "0.3.0", None, group=0),
        finding("info", "package", "built", "only_local", "1.0", None, group=0),
        finding("error", "package", "ray", "version.minor", "2.40.0", "2.39.0", group=0),
        finding("info", "genevars", "genevars", "only_local", "0.1.0", None, group=0),
        finding("info", "package", "genevars", "only_local", "0.1.0", None, group=0),
        finding("expected", "package", "typing-extensions", "vendored", "4.12.2", "4.5.0", group=0),
        finding("info", "package", "kuberay-client", "only_remote", None, "1.0", group=0),
        finding("warning", "package", "odd", "version.string", "1.0-custom", "1.1-custom", group=0),
        # Only the second node group lacks torch: the fix covers every group.
        finding("error", "package", "torch", "only_local", "2.0.1", None, group=1),
        finding("warning", "env", "AWS_ACCESS_KEY_ID", "only_local", "<withheld>", None, group=0),
        finding("info", "env", "MY_SETTING", "only_local", "on", None, group=1),
        finding("info", "env", "TERM", "only_local", "xterm", None, group=0),
        finding("info", "env", "PYTHONPATH", "only_local", "/home/me/src", None, group=0),
        finding("expected", "env", "RAY_ADDRESS", "only_remote", None, "x", group=0),
        finding("info", "env", "PATH", "value_differs", "/a", "/b", group=0),
        finding("info", "env", "BASH_FUNC_module%%", "only_local", "() { :; }", None, group=0),
        finding("error", "python", "version", "python.minor", "3.11.9", "3.10.14"),
        # Drift between node groups: "local" is group 0, not this machine: never pinned.
        finding("warning", "package", "pandas", "drift.version.minor", "2.1.0", "2.2.0", group=1),
    ]
    return {
        "schema": "genevars.comparison/1",
        "summary": {"errors": 4, "warnings": 2, "info": 8, "expected": 2},
        "findings": findings,
        "local": {"schema": "genevars.snapshot/1", "packages": local_packages},
        "remote": {},
        "env_diffs": {"only_local": ["AWS_ACCESS_KEY_ID", "TERM", "PYTHONPATH"], "only_remote": ["RAY_ADDRESS"], "diffs": []},
        "pkg_diffs": {
            "only_local": ["my-custom-package", "mylib", "built", "genevars"],
            "only_remote": ["kuberay-client"],
            "version_mismatch": [["numpy", "1.26.4", "2.2.6"], ["attrs", "23.2.0", "24.2.0"]],
        },
        "groups": [
            {"index": 0, "fingerprint": "a", "nodes": [], "summary": {},
             "env_diffs": {"only_local": []}, "pkg_diffs": {"only_local": [], "version_mismatch": []}},
            {"index": 1, "fingerprint": "b", "nodes": [], "summary": {},
             "env_diffs": {"only_local": ["MY_SETTING", "GROUP_ONLY_VAR"]},
             "pkg_diffs": {"only_local": ["torch"], "version_mismatch": [["Attrs", "23.2.0", "22.1.0"]]}},
        ],
    }


def test_fix_pins_local_versions_and_passes_missing_variables(monkeypatch):
    builder = fix_manifest_builder(StandInComparison(comparison()), "fix")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA-local")
    monkeypatch.setenv("MY_SETTING", "on")
    monkeypatch.setenv("GROUP_ONLY_VAR", "g")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every pin is exact: no unpinned warning
        manifest = builder.build()
    assert manifest.name == "fix"
    assert manifest.pip == (
        "attrs==23.2.0",
        "my-custom-package==0.1.0",
        "numpy==1.26.4",
        "torch==2.0.1",
    )
    assert manifest.env_from_local == ("AWS_ACCESS_KEY_ID", "GROUP_ONLY_VAR", "MY_SETTING")
    runtime_env = manifest.to_runtime_env()
    assert runtime_env["env_vars"] == {"AWS_ACCESS_KEY_ID": "AKIA-local", "GROUP_ONLY_VAR": "g", "MY_SETTING": "on"}
    # Values are passed by reference: the saved fix never holds them.
    assert "AKIA-local" not in manifest.to_json(reveal_values=True)


def test_fix_advises_what_an_index_cannot_install():
    builder = fix_manifest_builder(comparison())  # a plain dict works too
    advice = "\n".join(builder.advice)
    assert "mylib 0.3.0 is an editable install from /home/me/src/mylib" in advice
    assert "built 1.0 was installed from /home/me/wheels/built-1.0.tar.gz" in advice
    assert ".py_modules([...])" in advice
    assert "PYTHONPATH is set only locally" in advice
    assert "odd 1.0-custom: the version is not PEP 440" in advice
    assert "BASH_FUNC_module%% is set only locally, but its name is not one a runtime_env can pass" in advice
    assert "ray 2.40.0 differs" in advice
    assert "python version: local 3.11.9, remote 3.10.14" in advice
    manifest = builder.build()
    assert manifest.advice == tuple(builder.advice)
    # What the fix skips is not pinned: Ray-vendored, genevars, ray, local installs.
    pinned = {p.split("==")[0] for p in manifest.pip}
    assert not pinned & {"typing-extensions", "genevars", "ray", "mylib", "built", "kuberay-client", "pandas"}
    assert "TERM" not in manifest.env_from_local and "PATH" not in manifest.env_from_local


def test_fix_of_a_clean_comparison_is_empty():
    builder = fix_manifest_builder({"schema": "genevars.comparison/1", "findings": [], "local": {"packages": []}})
    manifest = builder.build()
    assert manifest.to_runtime_env() == {}
    assert builder.advice == []


def test_fix_from_json_only_object():
    import json

    class JsonOnly:
        def to_json(self, indent=2):
            return json.dumps(comparison())

    assert "numpy==1.26.4" in fix_manifest_builder(JsonOnly()).build().pip
    with pytest.raises(ManifestError, match="takes a ComparisonResult"):
        fix_manifest_builder(42)


def test_fix_from_a_real_comparison_of_snapshots(tmp_path):
    """The comparison engine's own JSON (not a stand-in): local has numpy 1.26.4, attrs and
    a variable; the remote has numpy 2.2.6 and neither of the others."""
    from genevars import compare_snapshots, snapshot_env

    def site(root, packages):
        for name, version in packages:
            info = root / f"{name}-{version}.dist-info"
            info.mkdir(parents=True)
            (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        return str(root)

    local = snapshot_env([site(tmp_path / "local", [("numpy", "1.26.4"), ("attrs", "23.2.0")])]).to_dict()
    remote = snapshot_env([site(tmp_path / "remote", [("numpy", "2.2.6")])]).to_dict()
    local["env"]["GENEVARS_FIX_ONLY_HERE"] = "1"
    remote["env"].pop("GENEVARS_FIX_ONLY_HERE", None)

    result = compare_snapshots(local, remote)
    assert {f["subject"] for f in result.findings} >= {"numpy", "attrs", "GENEVARS_FIX_ONLY_HERE"}
    manifest = result.fix_manifest("fix").build()
    assert manifest.pip == ("attrs==23.2.0", "numpy==1.26.4")
    assert "GENEVARS_FIX_ONLY_HERE" in manifest.env_from_local
    # Comparing again with the fix applied (as pip would leave the remote) closes the gap.
    fixed_remote = snapshot_env([site(tmp_path / "fixed", [("numpy", "1.26.4"), ("attrs", "23.2.0")])]).to_dict()
    fixed_remote["env"] = dict(remote["env"], GENEVARS_FIX_ONLY_HERE="1")
    again = compare_snapshots(local, fixed_remote)
    assert not [f for f in again.findings if f["subject"] in {"numpy", "attrs", "GENEVARS_FIX_ONLY_HERE"}]
