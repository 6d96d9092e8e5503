"""The Python and platform of a `--path` tree are read natively (`_core.tree_evidence`);
they must be what the Python reader they replace found, evidence for evidence and in the
same order (the first met wins a tie, and reading stops at the same point). The reader
below is that Python reader, kept as the reference. The trees are real installs (pip
installing wheels into a temp venv and into --target trees for other Pythons and
platforms, and the site-packages running these tests) and hand-made odd ones."""

from __future__ import annotations

import os
import re
import sys
import sysconfig
from collections import Counter
from pathlib import Path

import pytest

from genevars import _tree
from real_installs import make_venv, make_wheel, pip, site_packages

pytestmark = pytest.mark.timeout(300)

# --------------------------------------------------------------------------- the reference

_PATH_PYTHON = re.compile(r"(?:^|/)lib(?:64)?/(python|pypy)(\d+)\.(\d+)t?(?:/|$)")
_EXTENSION = re.compile(
    r"\.(?:cpython-(\d)(\d+)t?(?:d)?-(?:([a-z0-9_]+)-([a-z]+)(?:-([a-z0-9]+))?|(darwin))\.so"
    r"|cp(\d)(\d+)-(win32|win_amd64|win_arm64)\.pyd)$"
)
_INTERPRETER_TAG = re.compile(r"^cp(\d)(\d+)$")


def _wheel_platform(tag):
    if tag == "any":
        return None
    m = re.match(r"^(?:many|musl)linux_\d+_\d+_(.+)$|^manylinux\d+_(.+)$|^linux_(.+)$", tag)
    if m:
        return "Linux", next(g for g in m.groups() if g)
    m = re.match(r"^macosx_\d+_\d+_(.+)$", tag)
    if m:
        machine = m.group(1)
        return ("Darwin", machine) if machine in ("x86_64", "arm64") else None
    windows = {"win_amd64": "AMD64", "win32": "x86", "win_arm64": "ARM64"}
    if tag in windows:
        return "Windows", windows[tag]
    return None


def reference_infer(paths):
    facts = _tree.TreeFacts()

    def enough():
        known = facts.path_versions or sum(facts.tag_versions.values()) >= 3
        return bool(known) and sum(facts.platforms.values()) >= 3

    for path in paths:
        m = _PATH_PYTHON.search(os.path.abspath(path).replace(os.sep, "/"))
        if m:
            facts.path_versions[(int(m.group(2)), int(m.group(3)))] += 1
            if m.group(1) == "pypy":
                facts.implementation = "PyPy"
    for path in paths:
        try:
            names = sorted(os.listdir(path or "."))
        except OSError:
            continue
        for name in names:
            if enough():
                return facts
            if name.endswith((".so", ".pyd")):
                m = _EXTENSION.search(name)
                if not m:
                    continue
                if m.group(1):
                    facts.tag_versions[(int(m.group(1)), int(m.group(2)))] += 1
                    if m.group(6):
                        continue
                    machine, os_part = m.group(3), m.group(4)
                    system = {"linux": "Linux", "darwin": "Darwin"}.get(os_part)
                    if system:
                        facts.platforms[(system, machine)] += 1
                else:
                    facts.tag_versions[(int(m.group(7)), int(m.group(8)))] += 1
                    platform = _wheel_platform(m.group(9))
                    if platform:
                        facts.platforms[platform] += 1
            elif name.endswith(".dist-info"):
                _reference_wheel(facts, os.path.join(path, name, "WHEEL"))
    return facts


def _reference_wheel(facts, path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            text = os.read(fd, 64 * 1024).decode("utf-8", "replace")
        finally:
            os.close(fd)
    except OSError:
        return
    for line in text.splitlines():
        if not line.lower().startswith("tag:"):
            continue
        parts = line.split(":", 1)[1].strip().split("-")
        if len(parts) != 3:
            continue
        interpreter, _abi, platforms = parts
        m = _INTERPRETER_TAG.match(interpreter)
        if m:
            facts.tag_versions[(int(m.group(1)), int(m.group(2)))] += 1
        for tag in platforms.split("."):
            platform = _wheel_platform(tag)
            if platform:
                facts.platforms[platform] += 1
                break


# --------------------------------------------------------------------------- comparing


def facts_of(facts: _tree.TreeFacts) -> dict:
    """Everything a TreeFacts holds, counters in the order their keys were met."""
    return {
        "path_versions": list(facts.path_versions.items()),
        "tag_versions": list(facts.tag_versions.items()),
        "platforms": list(facts.platforms.items()),
        "implementation": facts.implementation,
        "python": facts.python(),
        "platform": facts.platform(),
    }


def assert_same(paths: list[str]) -> dict:
    native, reference = facts_of(_tree.infer(paths)), facts_of(reference_infer(paths))
    assert native == reference
    return native


OTHER = (3, 12) if sys.version_info[:2] != (3, 12) else (3, 11)
OTHER_TAG = "cp%d%d" % OTHER


def test_a_venv_of_wheels_installed_by_pip(tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    wheels = tmp_path / "wheels"
    here = "cp%d%d" % sys.version_info[:2]
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    built = [
        make_wheel(wheels, "purething", "1.0", {"purething/__init__.py": ""}),
        make_wheel(wheels, "fast-one", "2.0", {f"fast_one/_x.{here}.so": "ELF"}, tag=f"{here}-{here}-{plat}"),
        make_wheel(wheels, "fast-two", "2.1", {"fast_two/__init__.py": ""}, tag=f"{here}-abi3-{plat}"),
        make_wheel(wheels, "toplevel-ext", "1.0",
                   {f"_toplevel.cpython-{sys.version_info[0]}{sys.version_info[1]}-x86_64-linux-gnu.so": "ELF"},
                   tag=f"{here}-{here}-{plat}"),
    ]
    pip(python, "install", *map(str, built))
    site = site_packages(python)
    assert (site / "fast_one-2.0.dist-info" / "WHEEL").is_file()
    found = assert_same([str(site)])
    assert found["python"] == (sys.version_info[:2], "path lib/python%d.%d" % sys.version_info[:2])
    assert found["platforms"], found


def test_target_trees_for_other_pythons_and_platforms(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    cases = [
        ("manylinux2014_aarch64", "manylinux_2_17_aarch64.manylinux2014_aarch64"),
        ("macosx_11_0_arm64", "macosx_11_0_arm64"),
        ("win_amd64", "win_amd64"),
    ]
    for platform, tag in cases:
        target = tmp_path / platform
        built = [
            str(make_wheel(wheels / platform, f"thing{i}", "1.0", {f"thing{i}/__init__.py": ""},
                           tag=f"{OTHER_TAG}-{OTHER_TAG}-{tag}"))
            for i in range(4)
        ]
        pip(Path(sys.executable), "install", "--target", str(target), "--only-binary=:all:",
            "--python-version", "%d.%d" % OTHER, "--platform", platform,
            "--implementation", "cp", "--abi", OTHER_TAG, *built)
        found = assert_same([str(target)])
        assert found["python"] == (OTHER, f"ABI tags {OTHER_TAG}")
        # Three tags and three platforms settle it: the fourth wheel is not read.
        assert found["tag_versions"] == [(OTHER, 3)]


def test_the_site_packages_running_these_tests() -> None:
    paths = [p for p in sys.path if isinstance(p, str) and os.path.isdir(p)]
    assert_same(paths)
    for path in paths:
        assert_same([path])
    purelib = sysconfig.get_paths()["purelib"]
    found = assert_same([purelib, purelib])  # twice: counted twice, as the reference does
    assert found["path_versions"] == [(sys.version_info[:2], 2)]


def test_odd_trees(tmp_path: Path) -> None:
    odd = tmp_path / "odd"
    odd.mkdir()
    for name in [
        "a.cpython-39-x86_64-linux-gnu.so", "b.cpython-313td-aarch64-linux-musl.so",
        "c.cpython-312-darwin.so", "d.cp311-win32.pyd", "e.cp310-win_arm64.pyd", "f.abi3.so",
        "g.cpython-311-x86_64-freebsd.so", "h.so", "i.pyd", "J.CPYTHON-311-X86_64-LINUX-GNU.SO",
    ]:
        (odd / name).write_text("")

    def wheel(name: str, text: bytes) -> None:
        (odd / name).mkdir()
        (odd / name / "WHEEL").write_bytes(text)

    wheel("k-1.dist-info", b"Wheel-Version: 1.0\r\nTAG:  cp38-cp38-musllinux_1_1_x86_64 \r\nTag: cp38-none-any\n")
    wheel("l-1.dist-info", b"tag:cp37-cp37m-macosx_10_9_universal2.macosx_10_9_x86_64\x1cTag: x-y\x85Tag: a-b-c-d")
    wheel("m-1.dist-info", b"\xff\xfeTag: cp36-cp36m-linux_i686\n\x1fTag: cp35-none-any\x1f\n")
    wheel("n-1.dist-info", b"Tag: py2.py3-none-manylinux1_x86_64.any\nTag: cp3x-cp3x-any\n")
    (odd / "o-1.DIST-INFO").mkdir()
    (odd / "o-1.DIST-INFO" / "WHEEL").write_text("Tag: cp39-cp39-linux_x86_64\n")
    (odd / "p-1.dist-info").write_text("Tag: cp39-cp39-linux_x86_64\n")  # a file
    (odd / "q-1.dist-info").mkdir()
    (odd / "q-1.dist-info" / "WHEEL").mkdir()  # a directory
    (odd / "r-1.dist-info").mkdir()
    os.mkfifo(odd / "r-1.dist-info" / "WHEEL")  # a FIFO with no writer: must not block
    (odd / "s-1.dist-info").mkdir()  # no WHEEL
    # Names that are not UTF-8 sort as Python sorts them (surrogate escapes).
    for raw in (b"\xe9.cpython-310-x86_64-linux-gnu.so", b"\xc3\xa9.cpython-311-ppc64le-linux-gnu.so",
                b"\xee\x80\x80.cpython-312-s390x-linux-gnu.so"):
        open(os.path.join(os.fsencode(odd), raw), "w").close()
    found = assert_same([str(odd)])
    assert found["tag_versions"] and found["platforms"]
    # Also from the tree's own directory and a relative path; entries that are files or
    # missing add nothing.
    here = os.getcwd()
    try:
        os.chdir(odd)
        assert_same(["", ".", "k-1.dist-info", "missing", "h.so"])
    finally:
        os.chdir(here)
    assert_same([str(tmp_path / "lib" / "pypy3.10" / "site-packages"), str(odd / "lib64/python3.9t")])


def test_stops_where_the_reference_stops(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.10" / "site-packages"
    site.mkdir(parents=True)
    for i, machine in enumerate(["x86_64", "aarch64", "aarch64", "aarch64", "aarch64"]):
        (site / f"w{i}-1.dist-info").mkdir()
        (site / f"w{i}-1.dist-info" / "WHEEL").write_text(f"Tag: cp311-cp311-linux_{machine}\n")
    found = assert_same([str(site)])
    assert found["platforms"] == [(("Linux", "x86_64"), 1), (("Linux", "aarch64"), 2)]
    assert found["platform"] == (("Linux", "aarch64"), "ABI tags of compiled modules")


def test_a_tie_goes_to_the_first_met() -> None:
    facts = _tree.TreeFacts()
    facts.platforms.update([("Linux", "x86_64"), ("Linux", "aarch64")])
    facts.tag_versions.update([(3, 12), (3, 11), (3, 11), (3, 12)])
    assert facts.platform() == (("Linux", "x86_64"), "ABI tags of compiled modules")
    assert facts.python() == ((3, 12), "ABI tags cp312")
    assert Counter(facts.platforms).most_common(1)[0][0] == ("Linux", "x86_64")


@pytest.mark.parametrize("tag", [
    "any", "manylinux_2_17_x86_64", "manylinux2014_aarch64", "manylinux1_i686", "musllinux_1_2_armv7l",
    "linux_x86_64", "macosx_11_0_arm64", "macosx_10_9_x86_64", "macosx_10_9_universal2", "win32",
    "win_amd64", "win_arm64", "manylinux_2_17", "solaris_2_11", "",
])
def test_wheel_platform_is_the_reference(tag: str) -> None:
    from genevars import _core

    assert _core.wheel_platform(tag) == _wheel_platform(tag)


@pytest.mark.parametrize("platform_at", [(31, 32, 33, 34), (5, 100, 250, 260, 299), (290, 291, 299), (0, 150)])
def test_a_large_tree_is_read_in_batches_and_stops_where_the_reference_stops(tmp_path: Path, platform_at) -> None:
    """Native reads the WHEELs of a large tree in batches on several threads: what it
    finds, and where it stops, is still the reference's, at any batch boundary."""
    site = tmp_path / "tree"
    site.mkdir()
    machines = ["x86_64", "aarch64", "aarch64", "ppc64le"]
    for i in range(300):
        info = site / f"pkg{i:03d}-1.0.dist-info"
        info.mkdir()
        tag = (f"cp31{i % 3}-cp31{i % 3}-manylinux_2_17_{machines[platform_at.index(i) % 4]}"
               if i in platform_at else "py3-none-any")
        (info / "WHEEL").write_text(f"Wheel-Version: 1.0\nTag: {tag}\n")
    found = assert_same([str(site)])
    # Three tags and three platforms settle it: reading stops there.
    assert sum(count for _, count in found["platforms"]) == min(3, len(platform_at))
