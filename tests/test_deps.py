"""Dependency analysis on snapshots and dist-info trees built in temporary directories."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import genevars
from genevars import RuleError, check_requirements, minimal_requirements
from genevars._deps import check_manifest, imports_of, load_rules, module_index
from genevars._probe import marker_environment


def make_snapshot(packages: list[dict], markers: dict | None = None) -> dict:
    markers = markers or marker_environment()
    major, minor, micro = (int(x) for x in markers["python_full_version"].split(".")[:3])
    full = []
    for p in packages:
        entry = {
            "name": p["name"].lower().replace("_", "-"),
            "display_name": p["name"],
            "version": p["version"],
            "location": p.get("location", "/site"),
            "metadata_path": p.get("metadata_path", f"/site/{p['name']}-{p['version']}.dist-info"),
            "kind": "dist-info",
            "requires_dist": p.get("requires", []),
        }
        full.append(entry)
    return {
        "schema": "genevars.snapshot/1",
        "python": {
            "version": markers["python_full_version"],
            "version_info": {"major": major, "minor": minor, "micro": micro},
            "implementation": "CPython",
            "executable": sys.executable,
        },
        "platform": {"system": markers["platform_system"], "release": "x", "machine": "x86_64"},
        "markers": markers,
        "cwd": "/",
        "env": {},
        "sys_path": [],
        "packages": full,
    }


def write_dist(site: Path, name: str, version: str, *, top_level=None, record=None, requires=()):
    """A dist-info directory with only the files asked for."""
    meta = site / f"{name.replace('-', '_')}-{version}.dist-info"
    meta.mkdir(parents=True)
    lines = [f"Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (meta / "METADATA").write_text("\n".join(lines) + "\n")
    if top_level is not None:
        (meta / "top_level.txt").write_text("\n".join(top_level) + "\n")
    if record is not None:
        rows = [f"{path},sha256=x,1" for path in record] + [f"{meta.name}/METADATA,,"]
        (meta / "RECORD").write_text("\n".join(rows) + "\n")
    return {"name": name, "version": version, "requires": list(requires),
            "location": str(site), "metadata_path": str(meta)}


@pytest.fixture()
def site(tmp_path: Path) -> dict:
    """A fake site-packages: PyYAML maps by top_level.txt only, scikit-learn by RECORD only,
    protobuf and googleapis-common-protos share the `google` namespace."""
    root = tmp_path / "site"
    packages = [
        write_dist(root, "PyYAML", "6.0.1", top_level=["_yaml", "yaml"]),
        write_dist(root, "scikit-learn", "1.5.0", requires=["numpy>=1.19.5", "joblib>=1.2.0"],
                   record=["sklearn/__init__.py", "sklearn/linear_model/__init__.py",
                           "sklearn/linear_model/_base.py", "sklearn/_isotonic.cpython-311-x86_64-linux-gnu.so",
                           "../../bin/sklearn-tool", "sklearn/__pycache__/x.cpython-311.pyc"]),
        write_dist(root, "numpy", "1.26.4", record=["numpy/__init__.py", "numpy/core/__init__.py"]),
        write_dist(root, "joblib", "1.4.2", record=["joblib/__init__.py"]),
        write_dist(root, "protobuf", "4.25.3", record=["google/protobuf/__init__.py"]),
        write_dist(root, "googleapis-common-protos", "1.63.0", requires=["protobuf>=3.19.5"],
                   record=["google/api/__init__.py"]),
        write_dist(root, "black", "24.1.0", top_level=["black"]),
    ]
    editable = write_dist(root, "my-project", "0.1.0", record=["__editable__.my_project-0.1.0.pth"])
    packages.append(editable)
    broken = root / "broken-1.0.dist-info"
    broken.mkdir()
    packages.append({"name": "broken", "version": "1.0", "location": str(root),
                     "metadata_path": str(broken)})
    return make_snapshot(packages)


def test_imports_map_through_top_level_txt_and_record(site, tmp_path):
    index, unreadable = module_index(site)
    assert index["yaml"] == {"pyyaml"}  # top_level.txt only
    assert index["sklearn.linear_model"] == {"scikit-learn"}  # RECORD only
    assert index["sklearn._isotonic"] == {"scikit-learn"}  # compiled extension module
    assert "bin" not in index and "sklearn.__pycache__" not in index
    assert index["google"] == {"protobuf", "googleapis-common-protos"}
    assert unreadable == [site["packages"][-1]["metadata_path"]]

    udf = tmp_path / "job" / "udf.py"
    udf.parent.mkdir()
    (udf.parent / "helpers.py").write_text("X = 1\n")
    udf.write_text(
        "from __future__ import annotations\n"
        "import os, json\n"
        "import yaml\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from google.protobuf import message\n"
        "from . import sibling\n"
        "import my_project.jobs\n"
        "import helpers\n"
        "def f():\n"
        "    import notinstalled.sub\n"
    )
    assert "sklearn.linear_model.LogisticRegression" in imports_of(udf)
    result = minimal_requirements([udf], snapshot=site)
    # protobuf only: `google.protobuf` resolves by its longest prefix, not the namespace.
    assert result.requirements == [
        "joblib==1.4.2", "my-project==0.1.0", "numpy==1.26.4", "protobuf==4.25.3", "PyYAML==6.0.1",
        "scikit-learn==1.5.0",
    ]
    assert result.summary == "9 installed, 6 needed"
    assert result.unresolved_imports == ["notinstalled"]
    assert result.imports["yaml"] == ["pyyaml"]
    text = result.to_requirements_txt()
    assert text.startswith("# genevars requirements: 9 installed, 6 needed\n")
    assert "black" not in text


def test_roots_can_be_packages_with_extras_or_module_names(site):
    result = minimal_requirements(["googleapis-common-protos", "sklearn.linear_model"], snapshot=site)
    names = sorted(n["name"] for n in result.needed)
    assert names == ["googleapis-common-protos", "joblib", "numpy", "protobuf", "scikit-learn"]
    with pytest.raises(genevars.GenevarsError, match="missing.py: no such file"):
        minimal_requirements(["missing.py"], snapshot=site)


def test_closure_uses_the_target_markers(site):
    site["packages"].append({
        "name": "tool", "display_name": "tool", "version": "1.0", "location": "/s",
        "metadata_path": "/s/tool-1.0.dist-info", "kind": "dist-info",
        "requires_dist": ["pyyaml; sys_platform == 'win32'", "black; python_version < '3.0'"],
    })
    here = minimal_requirements(["tool"], snapshot=site)
    windows_markers = dict(marker_environment(), sys_platform="win32", platform_system="Windows", os_name="nt")
    windows = minimal_requirements(["tool"], snapshot=site, target=make_snapshot([], windows_markers))
    assert [n["name"] for n in here.needed] == ["tool"]
    assert [n["name"] for n in windows.needed] == ["pyyaml", "tool"]
    # tool needs Python 3.12+: a target on 3.8 is told its pin will not install.
    site["packages"][-1]["requires_python"] = ">=3.12"
    old_markers = dict(marker_environment(), python_version="3.8", python_full_version="3.8.18")
    old = minimal_requirements(["tool"], snapshot=site, target=make_snapshot([], old_markers))
    assert old.incompatible_with_target == ["tool==1.0 (Requires-Python >=3.12)"]
    assert "# will not install on the target interpreter: tool==1.0 (Requires-Python >=3.12)" in old.to_requirements_txt()


def test_check_requirements_reports_pip_check_problems_with_severity():
    snap = make_snapshot([
        {"name": "pandas", "version": "2.3.3", "requires": ["numpy>=1.26.0", "tzdata>=2022.7"]},
        {"name": "numpy", "version": "1.24.1"},
    ])
    result = check_requirements(snap)
    messages = sorted(f["message"] for f in result.findings)
    assert messages == [
        "pandas 2.3.3 requires numpy>=1.26.0, but numpy 1.24.1 is installed",
        "pandas 2.3.3 requires tzdata>=2022.7, which is not installed",
    ]
    assert {f["category"] for f in result.findings} == {"requirement"}
    assert not result.ok  # pandas is top-level: what the job imports
    assert check_requirements(snap, imported=["numpy"]).ok
    assert "hint: " in result.report()
    assert json.loads(result.to_json())["summary"]["errors"] == 2


def test_a_rule_fires_on_a_pair_of_snapshots():
    local = make_snapshot([{"name": "cloudpickle", "version": "3.0.0"}, {"name": "numpy", "version": "1.26.4"}])
    remote = make_snapshot([{"name": "cloudpickle", "version": "2.2.1"}, {"name": "numpy", "version": "2.2.6"}])
    assert check_requirements(local).findings == []
    result = check_requirements(local, remote)
    by_code = {f["code"]: f for f in result.findings}
    assert set(by_code) == {"rule.numpy-major-differs", "rule.cloudpickle-differs"}
    numpy = by_code["rule.numpy-major-differs"]
    assert (numpy["severity"], numpy["category"], numpy["subject"]) == ("error", "rule", "numpy")
    assert numpy["hint"] == (
        "ArrowInvalid: cannot cast / ValueError: cannot convert / serialization failures; pin numpy==1.26.4"
    )


def test_user_rules_and_a_bad_rule_rejected_clearly(tmp_path):
    rules = tmp_path / "team.toml"
    rules.write_text(
        "[[rule]]\n"
        'id = "no-old-requests"\n'
        'scope = "env"\n'
        'when = { requests = "<2.31" }\n'
        'severity = "error"\n'
        'message = "requests {requests} has CVE-2023-32681"\n'
        'symptom = "Proxy-Authorization header leaks to the destination"\n'
        'fix = "pin requests>=2.31"\n'
    )
    snap = make_snapshot([{"name": "requests", "version": "2.28.0"}])
    fired = check_requirements(snap, rules=rules).findings
    assert [f["message"] for f in fired] == ["requests 2.28.0 has CVE-2023-32681"]
    assert "no-old-requests" in load_rules(rules).ids()

    rules.write_text(rules.read_text().replace('"<2.31"', '"older than 2.31"'))
    with pytest.raises(RuleError) as info:
        check_requirements(snap, rules=rules)
    message = str(info.value)
    assert message.startswith(f"{rules}: line 4: rule \"no-old-requests\": when.requests = \"older than 2.31\"")
    assert "not a PEP 440 specifier set" in message and "\n" not in message
    with pytest.raises(RuleError, match="cannot read rules file"):
        load_rules(tmp_path / "nope.toml")


def test_manifest_pins_are_judged_before_installing():
    remote = make_snapshot([
        {"name": "opencv-python", "version": "4.10.0", "requires": ["numpy>=2"]},
        {"name": "numpy", "version": "2.0.1"},
    ])
    local = make_snapshot([{"name": "numpy", "version": "1.26.4"}])
    for manifest in (["numpy==1.26.4"], {"pip": ["numpy==1.26.4"]}, {"pip": {"packages": ["numpy==1.26.4"]}}):
        result = check_manifest(manifest, remote, local)
        assert [f["message"] for f in result.errors] == [
            "pinning numpy==1.26.4 breaks opencv-python 4.10.0 (requires numpy>=2)"
        ]
    combined = check_requirements(local, remote, manifest=["numpy==1.26.4"])
    assert "requirement.manifest_breaks" in {f["code"] for f in combined.findings}
    with pytest.raises(genevars.ManifestError, match='manifest pin "numpy=>1" is not a PEP 508 requirement'):
        check_manifest(["numpy=>1"], remote)


def test_bad_snapshot_input_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "genevars.snapshot/1"}')
    with pytest.raises(genevars.SnapshotError) as info:
        check_requirements(bad)
    assert "\n" not in str(info.value)
    with pytest.raises(genevars.SnapshotError, match="missing.json: no such file; give the path of a snapshot"):
        check_requirements(tmp_path / "missing.json")


def run_cli(module, argv):
    import argparse

    parser = argparse.ArgumentParser(prog="genevars")
    sub = parser.add_subparsers()
    module.add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_requirements_and_check(site, tmp_path, capsys):
    from genevars.cli import CliError, check, requirements

    snap_file = tmp_path / "local.json"
    snap_file.write_text(json.dumps(site))
    udf = tmp_path / "udf.py"
    udf.write_text("import sklearn\nimport yaml\n")
    out = tmp_path / "requirements.txt"
    assert run_cli(requirements, ["requirements", "--for", str(udf), "--snapshot", str(snap_file), "-o", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "# genevars requirements: 9 installed, 4 needed"
    assert "scikit-learn==1.5.0" in lines and "PyYAML==6.0.1" in lines
    assert "9 installed, 4 needed" in capsys.readouterr().err

    broken = make_snapshot([{"name": "pandas", "version": "2.3.3", "requires": ["numpy>=1.26.0"]},
                            {"name": "numpy", "version": "1.24.1"}])
    broken_file = tmp_path / "broken.json"
    broken_file.write_text(json.dumps(broken))
    assert run_cli(check, ["check", str(broken_file)]) == 1
    assert "pandas 2.3.3 requires numpy>=1.26.0, but numpy 1.24.1 is installed" in capsys.readouterr().out
    assert run_cli(check, ["check", str(broken_file), "--fail-on", "never", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["errors"] == 1
    assert run_cli(check, ["check", str(snap_file)]) == 0
    with pytest.raises(CliError, match="bad.toml: cannot read rules file"):
        run_cli(check, ["check", str(snap_file), "--rules", str(tmp_path / "bad.toml")])


def test_results_feed_the_manifest_builder_and_manifests_are_judged(site, tmp_path):
    from genevars import ManifestBuilder

    udf = tmp_path / "udf.py"
    udf.write_text("import sklearn\n")
    needed = minimal_requirements([udf], snapshot=site)
    manifest = needed.manifest("workers").build()
    assert list(manifest.pip) == needed.requirements == ["joblib==1.4.2", "numpy==1.26.4", "scikit-learn==1.5.0"]

    remote = make_snapshot([
        {"name": "opencv-python", "version": "4.10.0", "requires": ["numpy>=2"]},
        {"name": "numpy", "version": "2.0.1"},
    ])
    pinned = ManifestBuilder.create("fix").pip(["numpy==1.26.4"]).build()
    for given in (pinned, pinned.to_runtime_env()):
        result = check_manifest(given, remote, site)
        assert [f["message"] for f in result.errors] == [
            "pinning numpy==1.26.4 breaks opencv-python 4.10.0 (requires numpy>=2)"
        ]


def test_comparisons_and_genevars_diff_show_requirement_and_rule_findings(tmp_path):
    import subprocess

    from genevars import compare_snapshots

    local = make_snapshot([
        {"name": "pandas", "version": "2.3.3", "requires": ["numpy>=1.26.0"]},
        {"name": "numpy", "version": "1.26.4"},
        {"name": "torch", "version": "2.2.2"},
    ])
    remote = make_snapshot([
        {"name": "pandas", "version": "2.3.3", "requires": ["numpy>=1.26.0"]},
        {"name": "numpy", "version": "1.24.1"},
        {"name": "torch", "version": "2.2.2"},
        {"name": "opencv-python", "version": "4.10.0", "requires": ["numpy>=1.17", "missing-dep"]},
    ])
    result = compare_snapshots(local, remote)
    by_category = {}
    for f in result.findings:
        by_category.setdefault(f["category"], []).append(f)
    messages = [f["message"] for f in by_category["requirement"]]
    assert "on the workers: pandas 2.3.3 requires numpy>=1.26.0, but numpy 1.24.1 is installed" in messages
    assert "on the workers: opencv-python 4.10.0 requires missing-dep, which is not installed" in messages
    broken = next(f for f in by_category["requirement"] if f["subject"] == "pandas")
    assert broken["severity"] == "error" and (broken["local"], broken["remote"]) == ("1.26.4", "1.24.1")
    assert "pandas 2.3.3 requires numpy>=1.26.0" in result.report()
    assert broken["hint"] == "ImportError, AttributeError or wrong results inside pandas; pin numpy==1.26.4"
    assert "pandas 2.3.3 requires numpy&gt;=1.26.0, but numpy 1.24.1 is installed" in result._repr_html_()
    assert json.loads(result.to_json())["summary"]["errors"] >= 1

    # numpy 2 with torch 2.2 on the workers: the bundled rule, in the report and via the CLI.
    remote["packages"][1]["version"] = "2.0.1"
    local_file, remote_file = tmp_path / "local.json", tmp_path / "remote.json"
    local_file.write_text(json.dumps(local))
    remote_file.write_text(json.dumps(remote))
    done = subprocess.run(
        [sys.executable, "-m", "genevars", "diff", str(local_file), str(remote_file)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "on the workers: torch 2.2.2 was built against NumPy 1.x but numpy 2.0.1 is installed" in done.stdout
    assert "RuntimeError: Numpy is not available" in done.stdout


def test_cli_requirements_json_and_bad_input(site, tmp_path, capsys):
    from genevars.__main__ import main

    snap_file = tmp_path / "local.json"
    snap_file.write_text(json.dumps(site))
    assert main(["requirements", "--for", "sklearn", "--snapshot", str(snap_file), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["requirements"] == ["joblib==1.4.2", "numpy==1.26.4", "scikit-learn==1.5.0"]
    assert payload["imports"] == {"sklearn": ["scikit-learn"]}

    assert main(["requirements", "--for", str(tmp_path / "nope.py"), "--snapshot", str(snap_file)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith("nope.py: no such file; pass a Python file, a directory or a package name")
    assert main(["requirements", "--for", "x", "--snapshot", str(tmp_path / "missing.json")]) == 2
    assert "missing.json: no such file; give the path of a snapshot" in capsys.readouterr().err
