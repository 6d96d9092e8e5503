"""Findings users recognise: the error texts they search for, pydantic-core as an error,
IDE and notebook session variables as noise, what --env-prefix asks for shown, and
shadowed copies in a field of their own."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import genevars
from genevars import compare_snapshots
from snapshot_trees import dist_info


@pytest.fixture
def base(tmp_path: Path) -> dict:
    data = genevars.snapshot_env(paths=[str(tmp_path)]).to_dict()
    data["env"] = {"HOME": "/home/me"}
    data["packages"] = []
    return data


def pkg(name: str, version: str) -> dict:
    return {
        "name": name, "display_name": name, "version": version,
        "location": "/venv/lib/python3.11/site-packages",
        "metadata_path": f"/venv/lib/python3.11/site-packages/{name}-{version}.dist-info",
        "kind": "dist-info", "installer": "pip", "direct_url": None,
        "requires_dist": [], "provides_extra": [], "requires_python": None,
    }


def pair(base: dict, local_pkgs=(), remote_pkgs=(), local_env=None, remote_env=None):
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["packages"] = [pkg(*p) for p in local_pkgs]
    remote["packages"] = [pkg(*p) for p in remote_pkgs]
    local["env"].update(local_env or {})
    remote["env"].update(remote_env or {})
    return local, remote


def findings(result) -> dict:
    return {(f["subject"], f["code"]): f for f in result.to_dict()["findings"]}


@pytest.mark.parametrize("local, remote, severity", [
    ("2.23.4", "2.23.2", "error"),   # pydantic-core: any difference
    ("2.23.4", "2.27.1", "error"),
])
def test_pydantic_core_differing_at_all_is_an_error(base, local, remote, severity) -> None:
    result = compare_snapshots(*pair(base, [("pydantic-core", local)], [("pydantic-core", remote)]))
    (f,) = [f for f in result.to_dict()["findings"] if f["subject"] == "pydantic-core"]
    assert f["severity"] == severity
    assert "SchemaSerializer.__new__() takes from 1 to 2 positional arguments but 3 were given" in f["hint"]


def test_pydantic_minor_is_an_error_and_patch_is_not(base) -> None:
    minor = findings(compare_snapshots(*pair(base, [("pydantic", "2.9.2")], [("pydantic", "2.10.1")])))
    assert minor[("pydantic", "version.minor")]["severity"] == "error"
    patch = findings(compare_snapshots(*pair(base, [("pydantic", "2.9.2")], [("pydantic", "2.9.1")])))
    assert patch[("pydantic", "version.patch")]["severity"] == "warning"
    major = findings(compare_snapshots(*pair(base, [("pydantic", "2.9.2")], [("pydantic", "1.10.13")])))
    assert "module 'pydantic.fields' has no attribute 'ModelField'" in major[("pydantic", "version.major")]["hint"]


@pytest.mark.parametrize("name, local, remote, text", [
    ("numpy", "2.2.6", "1.26.4", "ModuleNotFoundError: No module named 'numpy._core.numeric'"),
    ("protobuf", "4.25.3", "3.20.3", "TypeError: Descriptors cannot not be created directly."),
    ("pandas", "2.2.3", "1.5.3", "'DataFrame' object has no attribute '_data'"),
])
def test_hints_carry_the_error_text_users_search_for(base, name, local, remote, text) -> None:
    result = compare_snapshots(*pair(base, [(name, local)], [(name, remote)]))
    (f,) = [f for f in result.to_dict()["findings"] if f["subject"] == name]
    assert text in f["hint"]
    if name != "protobuf":
        assert "pickled on the driver and read by workers" in f["hint"], "which side pickles"


def test_python_minor_hint_names_the_pickle_errors(base) -> None:
    local, remote = pair(base)
    remote["python"]["version_info"]["minor"] += 1
    f = findings(compare_snapshots(local, remote))[("python.version", "python.minor")]
    assert "ValueError: unsupported pickle protocol: 5" in f["hint"]
    assert "SystemError: unknown opcode" in f["hint"]


def test_notebook_and_ide_session_variables_are_noise(base) -> None:
    session = {"CLICOLOR": "1", "FORCE_COLOR": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
               "JPY_PARENT_PID": "123", "PYDEVD_USE_FRAME_EVAL": "NO", "VSCODE_PID": "77", "PYCHARM_HOSTED": "1"}
    result = compare_snapshots(*pair(base, local_env=session))
    got = {f["subject"]: f["severity"] for f in result.to_dict()["findings"] if f["category"] == "env"}
    assert got == {name: "expected" for name in session}
    assert result.ok
    # ... and a fix never passes them.
    assert result.fix_manifest("fix").build().env_from_local == ()


def test_env_prefix_shows_the_ray_variables_it_asks_for(base) -> None:
    local, remote = pair(base, local_env={"RAY_ADDRESS": "auto", "RAY_DEDUP_LOGS": "0"},
                         remote_env={"RAY_DEDUP_LOGS": "1"})
    hidden = {f["subject"]: f["severity"] for f in compare_snapshots(local, remote).to_dict()["findings"]}
    assert hidden["RAY_ADDRESS"] == "expected" and hidden["RAY_DEDUP_LOGS"] == "expected"
    asked = compare_snapshots(local, remote, env_prefix="RAY")
    shown = {f["subject"]: f["severity"] for f in asked.to_dict()["findings"]}
    assert shown == {"RAY_ADDRESS": "info", "RAY_DEDUP_LOGS": "info"}
    report = asked.report()
    assert "RAY_ADDRESS" in report and "RAY_DEDUP_LOGS" in report


def test_the_current_directory_entry_is_named(base) -> None:
    local, remote = pair(base)
    local["sys_path"] = [""] + local["sys_path"]
    f = findings(compare_snapshots(local, remote))[("", "only_local")]
    assert f["message"].startswith("'' (the current directory) is on sys.path")


def test_shadowed_copies_have_a_field_of_their_own(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    dist_info(first, "attrs", "24.2.0")
    dist_info(second, "attrs", "23.2.0")
    local = genevars.snapshot_env(paths=[str(first), str(second)])
    remote = genevars.snapshot_env(paths=[str(first)])
    (f,) = [f for f in compare_snapshots(local, remote).to_dict()["findings"] if f["code"] == "shadowed"]
    assert (f["local"], f["remote"]) == ("24.2.0", None)
    assert f["shadowed"] == [{"version": "23.2.0", "location": str(second),
                              "metadata_path": str(second / "attrs-23.2.0.dist-info")}]


def test_hints_name_what_code_imports(tmp_path: Path) -> None:
    """Installed for real: one wheel with top_level.txt, one without (RECORD says it)."""
    import sys

    from real_installs import make_wheel, pip

    wheels, target = tmp_path / "wheels", tmp_path / "site"
    pip(Path(sys.executable), "install", "--target", str(target),
        str(make_wheel(wheels, "PyFakeYAML", "6.0.1", {"fakeyaml/__init__.py": "", "_fakeyaml.py": ""})),
        str(make_wheel(wheels, "fakegrpcio", "1.60.0", {"fakegrpc/__init__.py": ""}, top_level=False)),
        str(make_wheel(wheels, "plainname", "1.0", {"plainname/__init__.py": ""})))
    local = genevars.snapshot_env(paths=[str(target)])
    names = {p["name"]: p.get("import_names") for p in local.distributions}
    # plainname sits beside its own package: nothing to read, nothing recorded.
    assert names == {"pyfakeyaml": ["fakeyaml"], "fakegrpcio": ["fakegrpc"], "plainname": None}
    remote = genevars.snapshot_env(paths=[str(tmp_path / "empty")])
    hints = {f["subject"]: f["hint"] for f in compare_snapshots(local, remote).to_dict()["findings"]
             if f["code"] == "only_local"}
    assert hints["pyfakeyaml"].endswith("(code imports it as: import fakeyaml)")
    assert hints["fakegrpcio"].endswith("(code imports it as: import fakegrpc)")
    assert "code imports it as" not in hints["plainname"], "nothing to add when the names agree"


def test_what_rays_pip_runtime_env_sets_is_expected(base) -> None:
    venv = "/tmp/ray/session_2026-12-04_12-00-00_1/runtime_resources/pip/3f9a/virtualenv"
    local, remote = pair(
        base,
        local_env={"PATH": "/home/me/.venv/bin:/usr/bin", "VIRTUAL_ENV": "/home/me/.venv"},
        remote_env={"PATH": f"{venv}/bin:/home/me/.venv/bin:/usr/bin", "VIRTUAL_ENV": venv},
    )
    got = {f["subject"]: (f["severity"], f["message"]) for f in compare_snapshots(local, remote).to_dict()["findings"]}
    assert got["PATH"][0] == "expected" and got["PATH"][1].endswith("(set by Ray's runtime_env)")
    assert got["VIRTUAL_ENV"][0] == "expected"
    # A PATH that differs beyond Ray's own directories is still reported.
    remote["env"]["PATH"] = f"{venv}/bin:/opt/other/bin"
    got = {f["subject"]: f["severity"] for f in compare_snapshots(local, remote).to_dict()["findings"]}
    assert got["PATH"] != "expected"
