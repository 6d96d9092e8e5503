"""create_site(): the local site-packages shipped to the workers, only what differs.

Wheels are built by the tests and installed with pip (no index); the cluster is a real
one-node Ray cluster on 127.0.0.1 whose workers see an older copy of one package.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from genevars import Manifest, ManifestError, snapshot_env
from genevars._site import WorkerPlatform, plan_site, workspace_root


def build_wheel(out: Path, name: str, version: str, files: dict, tag: str = "py3-none-any") -> Path:
    """A wheel made the way a build backend makes one: files, METADATA, WHEEL, RECORD."""
    dist_info = f"{name}-{version}.dist-info"
    contents = dict(files)
    contents[f"{dist_info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    root_is_purelib = "true" if tag.endswith("-none-any") else "false"
    contents[f"{dist_info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: genevars-tests\nRoot-Is-Purelib: {root_is_purelib}\nTag: {tag}\n"
    )
    rows = []
    for path, text in contents.items():
        data = text.encode() if isinstance(text, str) else text
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{path},sha256={digest},{len(data)}")
    rows.append(f"{dist_info}/RECORD,,")
    contents[f"{dist_info}/RECORD"] = "\n".join(rows) + "\n"
    wheel = out / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in contents.items():
            archive.writestr(path, text)
    return wheel


def pip_install(wheel: Path, target: Path, *platform: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
         "--disable-pip-version-check", "--target", str(target), *platform, str(wheel)],
        check=True,
    )


def module(name: str, version: str) -> dict:
    return {f"{name}/__init__.py": f"__version__ = {version!r}\n"}


def test_compiled_for_another_platform_is_refused_not_shipped(tmp_path, monkeypatch):
    wheels, site, zips = tmp_path / "wheels", tmp_path / "site", tmp_path / "zips"
    wheels.mkdir()
    pip_install(build_wheel(wheels, "fastext", "1.0", {
        "fastext/__init__.py": "",
        "fastext/_speed.cpython-311-darwin.so": b"\xcf\xfa\xed\xfe",
    }, tag="cp311-cp311-macosx_11_0_arm64"), site,
        # As pip installs it on a Mac: this is the site-packages a Mac driver ships.
        "--platform", "macosx_11_0_arm64", "--only-binary=:all:", "--python-version", "3.11")
    pip_install(build_wheel(wheels, "puremod", "2.0", module("puremod", "2.0")), site)
    linux = {"groups": [{"index": 0, "remote": {"python": "3.11.7 (main)", "os": "Linux 6.1.0 (x86_64)"}}],
             "pkg_diffs": {"only_local": ["fastext", "puremod"], "version_mismatch": []}}

    plan = plan_site(linux, output_dir=str(zips), keep_zips=True, local=snapshot_env([site]))

    assert [d.name for d in plan.shipped] == ["puremod"]
    [refused] = plan.refused
    assert (refused["severity"], refused["code"], refused["subject"]) == ("error", "site_platform_mismatch", "fastext")
    assert "macOS" in refused["message"] and "Linux" in refused["message"], refused
    assert ".pip(['fastext==1.0'])" in refused["hint"]
    assert [p.name.split("-")[0] for p in zips.iterdir()] == ["puremod"]

    # The manifest refuses rather than ship half an environment.
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(ManifestError, match="fastext 1.0 has compiled extensions"):
        Manifest.create_site("dev").build().to_runtime_env(linux)


def test_platform_rules():
    linux = WorkerPlatform("g", (3, 11), "Linux", "x86_64")
    assert linux.refuses("a.cpython-311-x86_64-linux-gnu.so", []) is None
    assert linux.refuses("a.abi3.so", ["cp39-abi3-manylinux_2_17_x86_64"]) is None
    assert "Python 3.12" in linux.refuses("a.cpython-312-x86_64-linux-gnu.so", [])
    assert "aarch64" in linux.refuses("a.cpython-311-aarch64-linux-gnu.so", [])
    assert "Windows" in linux.refuses("a.cp311-win_amd64.pyd", ["cp311-cp311-win_amd64"])
    assert linux.refuses("a.so", []) is None  # untagged: nothing says otherwise


def test_zip_is_named_by_content_and_reproducible(tmp_path):
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    wheels.mkdir()
    pip_install(build_wheel(wheels, "stable", "1.0", module("stable", "1.0")), site)
    only = {"pkg_diffs": {"only_local": ["stable"]}, "groups": []}
    first = plan_site(only, output_dir=str(tmp_path / "a"), keep_zips=True, local=snapshot_env([site]))
    second = plan_site(only, output_dir=str(tmp_path / "b"), keep_zips=True, local=snapshot_env([site]))
    [a], [b] = first.shipped, second.shipped
    assert Path(a.zip_path).name == Path(b.zip_path).name
    assert Path(a.zip_path).read_bytes() == Path(b.zip_path).read_bytes()
    names = zipfile.ZipFile(a.zip_path).namelist()
    assert "stable/__init__.py" in names and "stable-1.0.dist-info/METADATA" in names
    assert not any("__pycache__" in n for n in names)
    # Changing a file changes the name: the workers never reuse a stale copy.
    (site / "stable" / "__init__.py").write_text("__version__ = '1.0'  # patched\n")
    third = plan_site(only, output_dir=str(tmp_path / "c"), keep_zips=True, local=snapshot_env([site]))
    assert Path(third.shipped[0].zip_path).name != Path(a.zip_path).name


def test_ray_and_genevars_are_never_shipped():
    plan = plan_site(None, output_dir=None)
    shipped = {d.name for d in plan.shipped}
    assert not shipped & {"ray", "genevars", "pip"}
    assert {"ray", "genevars"} <= set(plan.left_out)
    # Ray's own dependencies stay too: replacing them under a worker breaks it.
    assert "grpcio" in plan.left_out or "grpcio" not in {p["name"] for p in snapshot_env().to_dict()["packages"]}


def test_workspace_root(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "src" / "pkg").mkdir(parents=True)
    assert workspace_root(str(repo / "src" / "pkg")) == str(repo.resolve())
    plain = tmp_path / "plain"
    plain.mkdir()
    assert workspace_root(str(plain)) == str(plain.resolve())
    assert workspace_root("/") is None


@pytest.fixture(scope="module")
def cluster(ray_cluster_factory, tmp_path_factory):
    """One node whose workers see sitepkg-b 1.0 on their PYTHONPATH (and no sitepkg-a)."""
    wheels = tmp_path_factory.mktemp("wheels")
    node_site = tmp_path_factory.mktemp("node-site")
    pip_install(build_wheel(wheels, "sitepkg_b", "1.0", module("sitepkg_b", "1.0")), node_site)
    return ray_cluster_factory(head_env={"PYTHONPATH": str(node_site)})


def test_create_site_ships_exactly_what_differs(cluster, tmp_path, monkeypatch):
    import ray

    from genevars import get_comparison_result

    wheels, driver_site, zips, work = (tmp_path / d for d in ("wheels", "driver-site", "zips", "work"))
    for d in (wheels, work):
        d.mkdir()
    (work / "job.py").write_text("print('the job')\n")
    pip_install(build_wheel(wheels, "sitepkg_a", "0.3", module("sitepkg_a", "0.3")), driver_site)
    pip_install(build_wheel(wheels, "sitepkg_b", "2.0", module("sitepkg_b", "2.0")), driver_site)
    # Installed into the driver's environment after the cluster started, so its workers
    # do not inherit it.
    monkeypatch.syspath_prepend(str(driver_site))
    monkeypatch.chdir(work)

    manifest = (Manifest.create_site("dev").local_zip_output_dir(str(zips))
                .delete_local_zips(False).build())
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        before = get_comparison_result()
        assert {"sitepkg-a", "sitepkg-b"} <= {f["subject"] for f in before.findings if f["category"] == "package"}
        plan = manifest.site_plan(before)
        assert sorted((d.name, d.version) for d in plan.shipped) == [("sitepkg-a", "0.3"), ("sitepkg-b", "2.0")]
        assert sorted(p.name.rsplit("-", 1)[0] for p in zips.iterdir()) == ["sitepkg-a-0.3", "sitepkg-b-2.0"]
        assert "ray" in plan.left_out and plan.already_on_workers  # the rest stays where it is
        runtime_env = manifest.to_runtime_env(before)
        assert runtime_env["working_dir"] == str(work.resolve())
        # The probes with the manifest applied (genevars compares with the cluster first).
        with_manifest = get_comparison_result(manifest=manifest)
    finally:
        ray.shutdown()

    # A job started with the runtime_env: its tasks import the local versions.
    ray.init(address=cluster.address, runtime_env=runtime_env, logging_level="ERROR", log_to_driver=False)
    try:

        @ray.remote(num_cpus=0)
        def versions():
            import pathlib

            import sitepkg_a
            import sitepkg_b

            return sitepkg_a.__version__, sitepkg_b.__version__, pathlib.Path("job.py").exists()

        assert ray.get(versions.remote(), timeout=120) == ("0.3", "2.0", True)
        in_job = get_comparison_result()
    finally:
        ray.shutdown()
    for after in (with_manifest, in_job):
        left = [f for f in after.findings if f["category"] == "package" and f["subject"].startswith("sitepkg")]
        # The node's own old copy is still there, behind the shipped one: said, not a difference.
        assert [(f["subject"], f["code"]) for f in left] == [("sitepkg-b", "shadowed")], after.report()
        assert "sitepkg_b 2.0" in left[0]["message"] and "1.0" in left[0]["message"], left
        assert not [f for f in after.findings if f["category"] == "unreachable"], after.report()
