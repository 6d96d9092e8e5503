"""Install layouts as real installs leave them: legacy editable installs (`setup.py
develop`), zipped eggs, two metadata folders of one name in one directory, and packages
of the OS. Each is made for real where it can be (pip and setuptools in a temporary venv,
from wheels and projects written here; no index), and read by both scanners.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

import genevars
from genevars import compare_snapshots
from genevars._manifest import fix_manifest_builder
from real_installs import (
    clean_env,
    make_venv,
    make_wheel,
    pip,
    run,
    setuptools_version,
    site_packages,
    sys_path_of,
)
from snapshot_trees import SCANNERS, by_name, dist_info, native_scan, python_scan, reasons, write

pytestmark = pytest.mark.timeout(600)
scanners = pytest.mark.parametrize("scan", SCANNERS.values(), ids=SCANNERS.keys())


# ------------------------------------------------------------------ layouts on disk


def zipped_egg(path: Path, pkg_info: "str | None", compression: int = zipfile.ZIP_DEFLATED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("foo/__init__.py", "x = 1\n")
        if pkg_info is not None:
            archive.writestr("EGG-INFO/PKG-INFO", pkg_info)
    return path


@scanners
def test_zipped_eggs_are_read_once(scan, tmp_path: Path) -> None:
    site = tmp_path / "site"
    foo = zipped_egg(site / "foo-1.0-py3.11.egg", "Name: foo\nVersion: 1.0\n\nbody\n")
    bar = zipped_egg(site / "bar-2.0-py3.11.egg", "Name: bar\nVersion: 2.0\n", zipfile.ZIP_STORED)
    empty = zipped_egg(site / "empty-1.0-py3.11.egg", None)
    broken = write(site / "broken-1.0-py3.11.egg", b"PK\x03\x04 not really")
    # easy-install.pth lists each egg after site-packages.
    result = scan([site, foo, bar, empty, broken])
    got = {p["name"]: (p["version"], p["kind"], p["location"]) for p in result["packages"]}
    assert got == {"foo": ("1.0", "egg", str(site)), "bar": ("2.0", "egg", str(site))}
    assert reasons(result) == [
        (str(broken), "zipped .egg is not a readable zip archive"),
        (str(empty / "EGG-INFO"), "no EGG-INFO/PKG-INFO file"),
    ], "each egg once, and a readable one never"
    alone = scan([foo])
    assert by_name(alone)["foo"]["location"] == str(foo) and alone["unreadable"] == []


@scanners
def test_legacy_editable_installs_are_editable(scan, tmp_path: Path) -> None:
    site, project = tmp_path / "site", tmp_path / "acme"
    write(project / "setup.py", "from setuptools import setup\nsetup()\n")
    write(project / "acme_legacy.egg-info" / "PKG-INFO", "Name: acme-legacy\nVersion: 0.3\n")
    write(site / "acme-legacy.egg-link", f"{project}\n.\n")
    write(site / "plain-1.0.egg-info", "Name: plain\nVersion: 1.0\n")
    for paths in ([site], [site, project], [project, site]):
        result = scan(paths)
        packages = by_name(result)
        assert packages["acme-legacy"]["direct_url"] == {
            "url": f"file://{project}", "editable": True, "kind": "dir",
        }, paths
        assert packages["acme-legacy"]["location"] == str(project)
        assert packages["plain"]["direct_url"] is None
        assert result["unreadable"] == []


@scanners
def test_two_metadata_folders_are_settled_by_record(scan, tmp_path: Path) -> None:
    def recorded(version: str, content: str, on_disk: bool) -> None:
        folder = dist_info(tmp_path, "attrs", version)
        write(folder / "RECORD", f"attrs/__init__.py,sha256=x,{len(content)}\nattrs-{version}.dist-info/RECORD,,\n")
        if on_disk:
            write(tmp_path / "attrs" / "__init__.py", content)

    recorded("23.2.0", "old", False)
    recorded("24.2.0", "newer", True)
    attrs = by_name(scan([tmp_path]))["attrs"]
    assert attrs["version"] == "24.2.0" and not attrs.get("version_uncertain")
    assert [c["version"] for c in attrs["same_directory"]] == ["23.2.0"]
    assert "shadowed" not in attrs
    # Without RECORD there is no telling.
    for folder in tmp_path.glob("attrs-*.dist-info"):
        (folder / "RECORD").unlink()
    attrs = by_name(scan([tmp_path]))["attrs"]
    assert (attrs["version"], attrs["version_uncertain"]) == ("23.2.0", True)


def test_scanners_agree_on_every_layout(tmp_path: Path) -> None:
    site, project = tmp_path / "site", tmp_path / "proj"
    zipped_egg(site / "z-1.0.egg", "Name: z\nVersion: 1.0\n")
    write(site / "bad-1.egg", b"junk")
    write(project / "pyproject.toml", "")
    write(project / "p.egg-info" / "PKG-INFO", "Name: p\nVersion: 1\n")
    write(site / "p.egg-link", "../proj\n")
    write(site / "none.egg-link", "")
    (site / "dir.egg-link").mkdir()
    for i, version in enumerate(["1.0", "2.0", "3.0"]):
        folder = dist_info(site, "trio", version)
        write(folder / "RECORD", f"trio.py,sha256=,{i + 1}\n\"odd,name.py\",,+{i}\n")
    write(site / "trio.py", "ab")
    paths = [site, site / "z-1.0.egg", site / "bad-1.egg"]
    native, python = native_scan(paths), python_scan(paths)
    assert native == python
    assert by_name(native)["trio"]["version"] == "2.0"
    assert by_name(native)["p"]["direct_url"]["editable"] is True


# ------------------------------------------------------------------ real installs


@pytest.fixture(scope="module")
def develop_venv(tmp_path_factory):
    """A venv where `setup.py develop` installed a project (an .egg-link in site-packages,
    the project on easy-install.pth) and where a zipped egg built by `bdist_egg` is on
    sys.path as easy_install put it."""
    root = tmp_path_factory.mktemp("develop")
    python = make_venv(root / "env")
    version = setuptools_version(python)
    if version is None or version >= (80, 0):
        pytest.skip(f"this Python's ensurepip brings no setuptools with `develop` ({version})")
    project = root / "acme project"
    write(project / "setup.py", (
        "from setuptools import setup\n"
        "setup(name='acme-legacy', version='0.3', packages=['acme_legacy'])\n"
    ))
    write(project / "acme_legacy" / "__init__.py", "VALUE = 3\n")
    run([python, "setup.py", "-q", "develop"], cwd=project, env=clean_env())
    site = site_packages(python)
    zipped = root / "zipped"
    write(zipped / "setup.py", (
        "from setuptools import setup\n"
        "setup(name='acme-zip', version='0.2', py_modules=['acme_zip'], zip_safe=True)\n"
    ))
    write(zipped / "acme_zip.py", "VALUE = 2\n")
    run([python, "setup.py", "-q", "bdist_egg"], cwd=zipped, env=clean_env())
    (egg,) = (zipped / "dist").glob("acme_zip-0.2-*.egg")
    shutil.copy(egg, site / egg.name)
    with open(site / "easy-install.pth", "a", encoding="utf-8") as pth:
        pth.write(f"./{egg.name}\n")
    return python, site, project, site / egg.name


def test_a_real_setup_py_develop_is_editable(develop_venv, tmp_path: Path) -> None:
    python, site, project, _egg = develop_venv
    assert (site / "acme-legacy.egg-link").is_file(), "setuptools wrote the legacy layout"
    assert run([python, "-c", "import acme_legacy; print(acme_legacy.VALUE)"], cwd=tmp_path, env=clean_env()).strip() == "3"
    sys_path = sys_path_of(python, tmp_path, clean_env())
    assert str(project) in sys_path, "easy-install.pth put the project on sys.path"
    for paths in (sys_path, [str(site)]):
        native, python_ = native_scan(paths), python_scan(paths)
        assert native == python_
        acme = by_name(native)["acme-legacy"]
        assert acme["kind"] == "egg-info" and acme["version"] == "0.3"
        assert acme["direct_url"] == {"url": f"file://{project}", "editable": True, "kind": "dir"}


def test_a_real_zipped_egg_is_read_once(develop_venv, tmp_path: Path) -> None:
    python, site, _project, egg = develop_venv
    assert zipfile.is_zipfile(egg)
    assert run([python, "-c", "import acme_zip; print(acme_zip.__file__)"], cwd=tmp_path, env=clean_env()).startswith(str(egg))
    sys_path = sys_path_of(python, tmp_path, clean_env())
    assert str(egg) in sys_path
    for scan in SCANNERS.values():
        result = scan(sys_path)
        assert by_name(result)["acme-zip"]["version"] == "0.2"
        assert not [u for u in result["unreadable"] if "acme_zip" in u["path"]], result["unreadable"]


def test_the_fix_ships_a_legacy_editable_install_instead_of_pinning_it(develop_venv, tmp_path: Path) -> None:
    python, site, project, _egg = develop_venv
    local = genevars.snapshot_env(paths=sys_path_of(python, tmp_path, clean_env()))
    remote = genevars.snapshot_env(paths=[str(tmp_path)])
    result = compare_snapshots(local, remote)
    assert "acme-legacy" in result["pkg_diffs"]["only_local"]
    fix = result.fix_manifest("fix")
    assert not any(p.startswith("acme-legacy") for p in fix.build().pip), "no index has acme-legacy==0.3"
    (advice,) = [a for a in fix.advice if a.startswith("acme-legacy 0.3")]
    assert "setup.py develop" in advice and str(project) in advice
    assert repr([str(project / "acme_legacy")]) in advice, "py_modules with the package directory"
    assert f".working_dir({str(project)!r})" in advice


def test_pip_target_upgrade_leaves_two_metadata_folders(tmp_path: Path) -> None:
    import sys

    wheels = tmp_path / "wheels"
    old = make_wheel(wheels, "dupe", "1.0", {"dupe/__init__.py": "v = 1\n"})
    new = make_wheel(wheels, "dupe", "2.0", {"dupe/__init__.py": "version = 2.0\n"})
    target = tmp_path / "target"
    python = Path(sys.executable)
    pip(python, "install", "--target", str(target), str(old))
    pip(python, "install", "--target", str(target), "--upgrade", str(new))
    assert sorted(p.name for p in target.glob("dupe-*.dist-info")) == ["dupe-1.0.dist-info", "dupe-2.0.dist-info"]
    for scan in SCANNERS.values():
        dupe = by_name(scan([target]))["dupe"]
        assert dupe["version"] == "2.0" and not dupe.get("version_uncertain")
        assert [c["version"] for c in dupe["same_directory"]] == ["1.0"]
    snap = genevars.snapshot_env(paths=[str(target)])
    result = compare_snapshots(snap, genevars.snapshot_env(paths=[str(wheels)]))
    (finding,) = [f for f in result.to_dict()["findings"] if f["code"] == "same_directory"]
    assert finding["local"] == "2.0 (also 1.0)" and finding["remote"] is None
    assert finding["message"].startswith(f"dupe has two metadata folders in {target}")
    assert "locally: 2.0 and 1.0;" in finding["message"]
    assert "files on disk are 2.0's" in finding["message"]
    assert finding["severity"] == "warning" and finding["hint"]


# ------------------------------------------------------------------ packages of the OS


def test_the_fix_never_pins_what_the_os_installed(tmp_path: Path) -> None:
    site = tmp_path / "usr" / "lib" / "python3" / "dist-packages"
    dist_info(site, "python-apt", "2.4.0", installer="debian")
    dist_info(site, "conda-thing", "1.0", installer="conda")
    write(site / "PyGObject-3.42.2.egg-info" / "PKG-INFO", "Name: PyGObject\nVersion: 3.42.2\n")
    dist_info(site, "tqdm", "4.66.1", installer="pip")
    local = genevars.snapshot_env(paths=[str(site)]).to_dict()
    # A Debian layout: PyGObject (no INSTALLER) is in /usr/lib/python3/dist-packages.
    for p in local["packages"]:
        if p["name"] == "pygobject":
            p["location"] = "/usr/lib/python3/dist-packages"
    remote = genevars.snapshot_env(paths=[str(tmp_path / "empty")]).to_dict()
    fix = compare_snapshots(local, remote).fix_manifest("fix")
    assert fix.build().pip == ("tqdm==4.66.1",)
    advice = "\n".join(fix.advice)
    assert "python-apt 2.4.0 is installed by the system package manager (apt)" in advice
    assert "conda-thing 1.0 is installed by conda (conda install)" in advice
    assert "PyGObject 3.42.2 is installed by the system package manager (apt)" in advice


@pytest.mark.skipif(not Path("/usr/lib/python3/dist-packages").is_dir(), reason="no Debian dist-packages here")
def test_the_real_debian_dist_packages_are_never_pinned(tmp_path: Path) -> None:
    local = genevars.snapshot_env(paths=["/usr/lib/python3/dist-packages"])
    names = local.packages
    assert names, "Debian's dist-packages has packages"
    remote = genevars.snapshot_env(paths=[str(tmp_path)])
    fix = compare_snapshots(local, remote).fix_manifest("fix")
    pinned = {p.split("==")[0] for p in fix.build().pip}
    os_owned = {
        p["name"] for p in local.distributions if not p.get("installer") or p["installer"] == "debian"
    }
    assert os_owned and not (pinned & os_owned), pinned & os_owned


@scanners
def test_fifos_in_the_new_layout_files_never_hang(scan, tmp_path: Path) -> None:
    import os

    folder = dist_info(tmp_path, "a", "1")
    os.mkfifo(folder / "top_level.txt")
    os.mkfifo(folder / "RECORD")
    os.mkfifo(tmp_path / "x.egg-link")
    os.mkfifo(tmp_path / "z-1.egg")
    dist_info(tmp_path, "a", "2")
    result = scan([tmp_path])
    assert by_name(result)["a"]["version_uncertain"] is True
    assert ("%s" % (tmp_path / "x.egg-link"), ".egg-link names no project directory") in reasons(result)
    assert ("%s" % (tmp_path / "z-1.egg"), "zipped .egg is not a readable zip archive") in reasons(result)
