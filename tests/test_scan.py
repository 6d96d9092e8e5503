"""The site-packages scanner, native and stdlib: layouts, shadowing, malformed input.

Every test runs against both scanners: the stdlib probe must find the same packages and
record the same unreadable entries, with the same reasons, as the Rust scanner.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest

from snapshot_trees import (
    SCANNERS,
    by_name,
    dist_info,
    native_scan,
    package_view,
    python_scan,
    reasons,
    write,
)

scanners = pytest.mark.parametrize("scan", SCANNERS.values(), ids=SCANNERS.keys())


@scanners
def test_dist_info_with_every_field(scan, tmp_path: Path) -> None:
    directory = dist_info(
        tmp_path,
        "PyYAML",
        "6.0.1",
        extra="Requires-Python: >=3.8\nRequires-Dist: a>=1\nRequires-Dist: b; extra == 'x'\n"
        "Provides-Extra: x\n",
        installer="uv",
        direct_url={"url": "https://user:hunter2@example.com/p.whl", "archive_info": {}},
    )
    result = scan([tmp_path])
    assert result["unreadable"] == []
    [package] = result["packages"]
    assert package == {
        "name": "pyyaml",
        "display_name": "PyYAML",
        "version": "6.0.1",
        "location": str(tmp_path),
        "metadata_path": str(directory),
        "kind": "dist-info",
        "installer": "uv",
        "direct_url": {"url": "https://***@example.com/p.whl", "editable": False, "kind": "archive"},
        "requires_dist": ["a>=1", "b; extra == 'x'"],
        "provides_extra": ["x"],
        "requires_python": ">=3.8",
    }
    assert "hunter2" not in json.dumps(result)


@scanners
def test_direct_url_origins(scan, tmp_path: Path) -> None:
    dist_info(tmp_path, "ed", "1", direct_url={"url": "file:///src/ed", "dir_info": {"editable": True}})
    dist_info(tmp_path, "plain-dir", "1", direct_url={"url": "file:///src/d", "dir_info": {}})
    dist_info(
        tmp_path,
        "vcs",
        "1",
        direct_url={"url": "git+https://tok@github.com/o/r", "vcs_info": {"vcs": "git", "commit_id": "c"}},
    )
    dist_info(
        tmp_path,
        "signed",
        "1",
        direct_url={"url": "https://h/p.whl?X-Amz-Signature=abc&x=1", "archive_info": {}},
    )
    origins = {n: p["direct_url"] for n, p in by_name(scan([tmp_path])).items()}
    assert origins == {
        "ed": {"url": "file:///src/ed", "editable": True, "kind": "dir"},
        "plain-dir": {"url": "file:///src/d", "editable": False, "kind": "dir"},
        "vcs": {"url": "git+https://***@github.com/o/r", "editable": False, "kind": "vcs"},
        "signed": {"url": "https://h/p.whl?X-Amz-Signature=***&x=1", "editable": False, "kind": "archive"},
    }


@scanners
def test_egg_info_directory_file_and_egg_directory(scan, tmp_path: Path) -> None:
    write(tmp_path / "dirform-1.0.egg-info" / "PKG-INFO", "Name: dirform\nVersion: 1.0\n")
    write(tmp_path / "fileform-2.0-py3.11.egg-info", "Name: FileForm\nVersion: 2.0\n")
    write(tmp_path / "eggform-3.0-py3.11.egg" / "EGG-INFO" / "PKG-INFO", "Name: eggform\nVersion: 3.0\n")
    result = scan([tmp_path])
    assert result["unreadable"] == []
    got = {p["name"]: (p["version"], p["kind"], p["metadata_path"]) for p in result["packages"]}
    assert got == {
        "dirform": ("1.0", "egg-info", str(tmp_path / "dirform-1.0.egg-info")),
        "fileform": ("2.0", "egg-info", str(tmp_path / "fileform-2.0-py3.11.egg-info")),
        "eggform": ("3.0", "egg", str(tmp_path / "eggform-3.0-py3.11.egg" / "EGG-INFO")),
    }


@scanners
def test_an_egg_on_the_path_is_read_once(scan, tmp_path: Path) -> None:
    egg = tmp_path / "x-1.0.egg"
    write(egg / "EGG-INFO" / "PKG-INFO", "Name: x\nVersion: 1.0\n")
    result = scan([tmp_path, egg])  # inside site-packages and on sys.path via a .pth
    assert package_view(result) == {"x": ("1.0", str(tmp_path), ())}
    assert package_view(scan([egg])) == {"x": ("1.0", str(egg), ())}


@scanners
def test_first_on_the_path_wins_later_copies_are_shadowed(scan, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    dist_info(first, "Typing_Extensions", "4.12.2")
    copy = dist_info(second, "typing-extensions", "4.5.0")
    dist_info(second, "only-second", "1.0")
    result = scan([first, second])
    winner = by_name(result)["typing-extensions"]
    assert (winner["version"], winner["display_name"]) == ("4.12.2", "Typing_Extensions")
    assert winner["shadowed"] == [
        {"version": "4.5.0", "location": str(second), "metadata_path": str(copy)}
    ]
    assert "shadowed" not in by_name(result)["only-second"]
    assert by_name(scan([second, first]))["typing-extensions"]["version"] == "4.5.0"


@scanners
def test_repeated_and_aliased_entries_are_scanned_once(scan, tmp_path: Path) -> None:
    dist_info(tmp_path, "a", "1")
    (tmp_path / "link").symlink_to(tmp_path)
    result = scan([tmp_path, str(tmp_path), tmp_path / "link", f"{tmp_path}/."])
    assert package_view(result) == {"a": ("1", str(tmp_path), ())}
    assert result["unreadable"] == []


@scanners
def test_the_empty_entry_is_the_current_directory(scan, tmp_path: Path, monkeypatch) -> None:
    dist_info(tmp_path, "here", "1")
    monkeypatch.chdir(tmp_path)
    result = scan([""])
    assert package_view(result) == {"here": ("1", "", ())}
    assert result["packages"][0]["metadata_path"] == os.path.join(".", "here-1.dist-info")


@scanners
def test_only_the_header_block_is_read(scan, tmp_path: Path) -> None:
    # A body that looks like headers, and is long: neither may matter.
    body = "Name: impostor\nVersion: 9\n" + "x" * 200_000
    write(tmp_path / "real-1.dist-info" / "METADATA", f"Name: real\nVersion: 1\n\n{body}")
    assert package_view(scan([tmp_path])) == {"real": ("1", str(tmp_path), ())}


@scanners
def test_headers_unfold_and_repeat(scan, tmp_path: Path) -> None:
    write(
        tmp_path / "f-1.dist-info" / "METADATA",
        "Metadata-Version: 2.1\r\nname: f\r\nVERSION: 1.0\r\nRequires-Dist: a;\r\n  extra == 'x'\r\n"
        "Requires-Dist: b\r\nVersion: 2.0\r\nRequires-Python: >=3.9\r\nRequires-Python: >=3.10\r\n\r\n",
    )
    package = by_name(scan([tmp_path]))["f"]
    assert package["version"] == "1.0"
    assert package["requires_dist"] == ["a; extra == 'x'", "b"]
    assert package["requires_python"] == ">=3.9"


@scanners
def test_legacy_versions_are_kept_as_written(scan, tmp_path: Path) -> None:
    write(tmp_path / "pytz-2004d.dist-info" / "METADATA", "Name: pytz\nVersion:  2004d \n")
    write(tmp_path / "odd-1.dist-info" / "METADATA", "Name: odd\nVersion: 1.0-custom build\n")
    got = {n: p["version"] for n, p in by_name(scan([tmp_path])).items()}
    assert got == {"pytz": "2004d", "odd": "1.0-custom build"}


# ------------------------------------------------------------------ malformed input

Build = Callable[[Path], None]


def _meta(name: str, content: "str | bytes") -> Build:
    return lambda site: write(site / name / "METADATA", content) and None


def _fifo(site: Path) -> None:
    (site / "fifo-1.dist-info").mkdir()
    os.mkfifo(site / "fifo-1.dist-info" / "METADATA")


def _dev_zero(site: Path) -> None:
    (site / "zero-1.dist-info").mkdir()
    (site / "zero-1.dist-info" / "METADATA").symlink_to("/dev/zero")


def _loop(site: Path) -> None:
    (site / "loop-1.dist-info").symlink_to(site / "loop-1.dist-info")


def _dangling(site: Path) -> None:
    (site / "gone-1.dist-info").symlink_to(site / "nowhere")


def _mkdir(*parts: str) -> Build:
    return lambda site: site.joinpath(*parts).mkdir(parents=True)


def _file(name: str, content: "str | bytes") -> Build:
    return lambda site: write(site / name, content) and None


NO_NAME = "METADATA has no Name field"

# (id, how to build it, the unreadable path relative to the site, the reason)
MALFORMED: List[Tuple[str, Build, str, str]] = [
    ("no-metadata", _mkdir("nometa-1.dist-info"), "nometa-1.dist-info", "no METADATA file"),
    ("empty-metadata", _meta("empty-1.dist-info", ""), "empty-1.dist-info", NO_NAME),
    ("no-name", _meta("a-1.dist-info", "Version: 1\n"), "a-1.dist-info", NO_NAME),
    ("no-version", _meta("a-1.dist-info", "Name: a\n"), "a-1.dist-info", "METADATA has no Version field"),
    ("empty-name", _meta("a-1.dist-info", "Name:\nVersion: 1\n"), "a-1.dist-info", "METADATA has an empty Name field"),
    ("blank-version", _meta("a-1.dist-info", "Name: a\nVersion:   \t\n"), "a-1.dist-info", "METADATA has an empty Version field"),
    ("name-in-body", _meta("a-1.dist-info", "Metadata-Version: 2.1\n\nName: a\nVersion: 1\n"), "a-1.dist-info", NO_NAME),
    ("leading-blank-line", _meta("a-1.dist-info", "\nName: a\nVersion: 1\n"), "a-1.dist-info", NO_NAME),
    ("garbage-line-first", _meta("a-1.dist-info", "this is not a header\nName: a\nVersion: 1\n"), "a-1.dist-info", NO_NAME),
    ("space-in-header-name", _meta("a-1.dist-info", "Na me: a\nVersion: 1\n"), "a-1.dist-info", NO_NAME),
    ("no-colon", _meta("a-1.dist-info", "Name a\nVersion 1\n"), "a-1.dist-info", NO_NAME),
    ("version-after-garbage", _meta("a-1.dist-info", "Name: a\n???\nVersion: 1\n"), "a-1.dist-info", "METADATA has no Version field"),
    ("latin1-name", _meta("a-1.dist-info", b"Name: caf\xe9\nVersion: 1\n"), "a-1.dist-info", "METADATA Name field (line 1) is not valid UTF-8"),
    ("binary-version", _meta("a-1.dist-info", b"Name: a\nVersion: 1.\xff\xfe\n"), "a-1.dist-info", "METADATA Version field (line 2) is not valid UTF-8"),
    ("utf16-metadata", _meta("a-1.dist-info", "Name: a\nVersion: 1\n".encode("utf-16")), "a-1.dist-info", NO_NAME),
    ("name-with-space", _meta("a-1.dist-info", "Name: not a name\nVersion: 1\n"), "a-1.dist-info", 'METADATA Name "not a name" is not a valid distribution name'),
    ("name-leading-dash", _meta("a-1.dist-info", "Name: -dash\nVersion: 1\n"), "a-1.dist-info", 'METADATA Name "-dash" is not a valid distribution name'),
    ("name-trailing-dot", _meta("a-1.dist-info", "Name: dot.\nVersion: 1\n"), "a-1.dist-info", 'METADATA Name "dot." is not a valid distribution name'),
    ("name-with-quote", _meta("a-1.dist-info", 'Name: a"b\nVersion: 1\n'), "a-1.dist-info", 'METADATA Name "a\\"b" is not a valid distribution name'),
    ("name-non-ascii", _meta("a-1.dist-info", "Name: café\nVersion: 1\n"), "a-1.dist-info", 'METADATA Name "café" is not a valid distribution name'),
    ("name-with-terminal-escape", _meta("a-1.dist-info", "Name: a\x0c\x1b[31mb\nVersion: 1\n"), "a-1.dist-info", 'METADATA Name "a\\f\\u001b[31mb" is not a valid distribution name'),
    ("dist-info-is-a-file", _file("afile-1.dist-info", "Name: afile\nVersion: 1\n"), "afile-1.dist-info", "is a file, not a .dist-info directory"),
    ("metadata-is-a-directory", _mkdir("metadir-1.dist-info", "METADATA"), "metadir-1.dist-info", "METADATA is not a regular file"),
    ("metadata-is-a-fifo", _fifo, "fifo-1.dist-info", "METADATA is not a regular file"),
    ("metadata-is-dev-zero", _dev_zero, "zero-1.dist-info", "METADATA is not a regular file"),
    ("endless-header-block", _meta("a-1.dist-info", "Name: a\nVersion: 1\nX: " + "y" * (1 << 20)), "a-1.dist-info", "METADATA header block is longer than 1 MiB"),
    ("dist-info-symlink-loop", _loop, "loop-1.dist-info", "cannot read METADATA: symlink loop"),
    ("dist-info-dangling-symlink", _dangling, "gone-1.dist-info", "no METADATA file"),
    ("egg-info-without-pkg-info", _mkdir("e-1.egg-info"), "e-1.egg-info", "no PKG-INFO file"),
    ("egg-info-file-without-version", _file("e-1.egg-info", "Name: e\n"), "e-1.egg-info", "PKG-INFO has no Version field"),
    ("egg-without-egg-info", _mkdir("e-1.egg"), "e-1.egg/EGG-INFO", "no EGG-INFO/PKG-INFO file"),
    ("egg-pkg-info-without-name", _file("e-1.egg/EGG-INFO/PKG-INFO", "Version: 1\n"), "e-1.egg/EGG-INFO", "EGG-INFO/PKG-INFO has no Name field"),
    ("zipped-egg", _file("z-1.egg", b"PK\x03\x04zip"), "z-1.egg", "zipped .egg is not a readable zip archive"),
]


@scanners
@pytest.mark.parametrize("build, where, reason", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_distribution_is_recorded_not_fatal(scan, tmp_path: Path, build: Build, where: str, reason: str) -> None:
    build(tmp_path)
    dist_info(tmp_path, "healthy", "1.0")
    result = scan([tmp_path])
    assert reasons(result) == [(str(tmp_path / where), reason)]
    # One bad entry never costs the others.
    assert package_view(result) == {"healthy": ("1.0", str(tmp_path), ())}


def _without_permission_override(fn: Callable[[], Any]) -> Any:
    """``fn()`` on a thread that has given up the right to ignore file permissions
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so permission checks apply even when the tests
    run as root. Linux keeps capabilities per thread; glibc's capget/capset set them."""
    import ctypes
    import threading

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    libc = ctypes.CDLL(None, use_errno=True)
    outcome: Dict[str, Any] = {}

    def run() -> None:
        header, data = Header(0x20080522, 0), (Data * 2)()
        if libc.capget(ctypes.byref(header), data) or (
            setattr(data[0], "effective", data[0].effective & ~0b110)
            or libc.capset(ctypes.byref(header), data)
        ):
            outcome["error"] = OSError(ctypes.get_errno(), "capget/capset")
            return
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # re-raised on the calling thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread capabilities are Linux's")
@scanners
def test_permission_denied_is_recorded(scan, tmp_path: Path) -> None:
    site, locked = tmp_path / "site", tmp_path / "locked"
    dist_info(locked, "a", "1")
    closed_dir, closed_file = dist_info(site, "b", "1"), dist_info(site, "c", "1")
    (site / "e-1.egg-info").mkdir()
    write(site / "e-1.egg-info" / "PKG-INFO", "Name: e\nVersion: 1\n")
    dist_info(site, "d", "1")
    for path in (locked, closed_dir, closed_file / "METADATA", site / "e-1.egg-info" / "PKG-INFO"):
        path.chmod(0)
    try:
        result = _without_permission_override(lambda: scan([locked, site]))
    finally:
        locked.chmod(0o755)
        closed_dir.chmod(0o755)
    assert reasons(result) == [
        (str(locked), "cannot list path entry: permission denied"),
        (str(closed_dir), "cannot read METADATA: permission denied"),
        (str(closed_file), "cannot read METADATA: permission denied"),
        (str(site / "e-1.egg-info"), "cannot read PKG-INFO: permission denied"),
    ]
    assert package_view(result) == {"d": ("1", str(site), ())}


@scanners
def test_non_utf8_outside_name_and_version(scan, tmp_path: Path) -> None:
    write(
        tmp_path / "lossy-1.dist-info" / "METADATA",
        b"Name: lossy\nVersion: 1\nAuthor: Fran\xe7ois\nRequires-Dist: b\xff\xfe\nProvides-Extra: \xe2\x82\n",
    )
    result = scan([tmp_path])
    package = by_name(result)["lossy"]
    assert package["requires_dist"] == ["b\ufffd\ufffd"]
    assert package["provides_extra"] == ["\ufffd"]
    # An unused field (Author) costs nothing; a kept one is recorded.
    where = str(tmp_path / "lossy-1.dist-info")
    assert reasons(result) == [
        (where, "METADATA Requires-Dist field (line 4) is not valid UTF-8; kept with replacement characters"),
        (where, "METADATA Provides-Extra field (line 5) is not valid UTF-8; kept with replacement characters"),
    ]


@scanners
@pytest.mark.parametrize(
    "content",
    ["{not json", "[]", '{"url": "x"}', '{"url": 1, "archive_info": {}}', '{"dir_info": {}}', '{"url": "x", "vcs_info": "git"}', "NaN"],
    ids=["syntax", "array", "no-info", "url-not-string", "no-url", "info-not-object", "nan"],
)
def test_malformed_direct_url_keeps_the_package(scan, tmp_path: Path, content: str) -> None:
    directory = dist_info(tmp_path, "a", "1")
    write(directory / "direct_url.json", content)
    result = scan([tmp_path])
    assert by_name(result)["a"]["direct_url"] is None
    assert reasons(result) == [
        (str(directory), "direct_url.json is not valid PEP 610 JSON; the origin is not recorded")
    ]


@scanners
def test_bad_path_entries_are_recorded(scan, tmp_path: Path) -> None:
    missing = tmp_path / "python311.zip"
    archive = write(tmp_path / "lib.zip", b"PK\x03\x04")
    magic = write(tmp_path / "bundle.bin", b"PK\x03\x04")
    plain = write(tmp_path / "notes.txt", "hello")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    under_file = plain / "sub"
    result = scan([missing, archive, magic, plain, loop, fifo, under_file])
    zipped = "path entry is a zip archive; distributions inside zip archives are not scanned"
    assert reasons(result) == [
        (str(missing), "path entry does not exist"),
        (str(archive), zipped),
        (str(magic), zipped),
        (str(plain), "path entry is a file, not a directory"),
        (str(loop), "cannot read path entry: symlink loop"),
        (str(fifo), "path entry is not a directory"),
        (str(under_file), "cannot read path entry: not a directory"),
    ]
    assert result["packages"] == []


@scanners
def test_non_utf8_file_names(scan, tmp_path: Path) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9-1.0.dist-info"
    os.mkdir(raw)
    with open(raw + b"/METADATA", "wb") as f:
        f.write(b"Name: cafe\nVersion: 1.0\n")
    [package] = scan([tmp_path])["packages"]
    assert package["metadata_path"] == f"{tmp_path}/caf\ufffd-1.0.dist-info"


# ------------------------------------------------------------------ the two scanners agree


def test_scanners_agree_on_a_tree_with_everything(tmp_path: Path) -> None:
    sites = [tmp_path / f"site{i}" for i in range(3)]
    for i, site in enumerate(sites):
        for j in range(40):
            dist_info(site, f"pkg-{j}", f"{i}.{j}", extra=f"Requires-Dist: dep{j}\n")
        dist_info(site, "Shared.Name", f"{i}.0")
    for i, (case_id, build, _where, _reason) in enumerate(MALFORMED):
        if case_id != "endless-header-block":
            target = sites[i % 3] / case_id
            target.mkdir()
            build(target)
    paths = [sites[0], tmp_path / "missing", sites[1], sites[0], sites[2], ""]
    native, python = native_scan(paths), python_scan(paths)
    assert native == python
    assert by_name(native)["shared-name"]["shadowed"][1]["version"] == "2.0"


def test_native_scan_objects_are_the_serde_form(tmp_path: Path) -> None:
    """The scan's dicts are built by hand in the binding: they must be exactly what the
    core's own JSON form of the same packages loads as."""
    from genevars import _core, _probe

    first, second = tmp_path / "first", tmp_path / "second"
    dist_info(first, "a", "1", extra="Requires-Dist: b>=1; extra == 'x'\nProvides-Extra: x\nRequires-Python: >=3.8\n",
              direct_url={"url": "file:///src/a", "dir_info": {"editable": True}})
    dist_info(second, "a", "0.9", installer=None)
    write(first / "legacy-1.0.egg-info", "Name: legacy\nVersion: 1.0\n")
    write(first / "old-3.egg" / "EGG-INFO" / "PKG-INFO", "Name: old\nVersion: 3\n")
    (first / "broken-1.0.dist-info").mkdir()
    paths = [str(first), str(second)]
    scanned = native_scan(paths)
    snapshot = _probe.take_snapshot({"paths": paths, "secret_rules": _core.secret_rules(), "use_native": True})
    assert snapshot["created_by"]["scanner"] == "native"
    serde_form = json.loads(_core.validate_snapshot(json.dumps(snapshot)))
    assert scanned["packages"] == snapshot["packages"] == serde_form["packages"]
    assert scanned["unreadable"] and scanned["unreadable"] == serde_form["unreadable"]
    assert by_name(scanned)["a"]["shadowed"] and by_name(scanned)["a"]["direct_url"]["editable"] is True


def test_scanners_agree_on_this_interpreter() -> None:
    paths = [p for p in sys.path if isinstance(p, str)]
    native, python = native_scan(paths), python_scan(paths)
    assert native["packages"], "the test venv has packages"
    assert package_view(native) == package_view(python)
    assert native == python


def test_the_scan_matches_importlib_metadata() -> None:
    """The first distribution of each name on sys.path, as importlib.metadata sees it."""
    expected = {}
    for dist in importlib.metadata.distributions():
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        expected.setdefault(name, dist.version)
    got = {p["name"]: p["version"] for p in native_scan(sys.path)["packages"]}
    assert got == expected


def test_scanners_agree_on_random_metadata(tmp_path: Path) -> None:
    """A seeded differential test: header blocks built from the characters the reader
    cares about, read by both scanners."""
    import random

    rng = random.Random(20261122)
    pieces = [
        b"Name", b"name", b"Version", b"VERSION", b"Requires-Dist", b"Provides-Extra",
        b"Requires-Python", b":", b": ", b" ", b"\t", b"\n", b"\r\n", b"\r", b"\n\n", b"a",
        b"pkg-1", b"1.0", b"_", b".", b"-", b"\xff", b"\xe9", b"\xe2\x82", b"\xef\xbb\xbf",
        b"\"", b"\x00", b"\x1b", "é".encode(), b"Name: x\n", b"Version: 2\n", b"\x0b",
        b"\x0c", "\x85".encode(), "\u3000".encode(), b"{", b"}",
    ]
    for i in range(1000):
        content = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 40)))
        if i % 2:
            content = b"Name: p%d\nVersion: 1\n" % i + content
        write(tmp_path / f"r{i}-1.dist-info" / "METADATA", content)
    native, python = native_scan([tmp_path]), python_scan([tmp_path])
    assert native == python
    assert len(native["packages"]) > 300 and len(native["unreadable"]) > 300


# ------------------------------------------------------------------ installed_versions


def test_installed_versions_matches_importlib_metadata() -> None:
    from genevars import installed_versions

    expected = {}
    for dist in importlib.metadata.distributions():
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        expected.setdefault(name, dist.version)
    assert installed_versions() == expected
    assert installed_versions(sys.path) == expected


def test_installed_versions_is_the_full_scans_name_version_map(tmp_path: Path) -> None:
    from genevars import installed_versions

    first, second = tmp_path / "first", tmp_path / "second"
    dist_info(first, "Shared.Name", "2.0", installer="pip", extra="Requires-Dist: numpy\n")
    dist_info(second, "shared-name", "1.0")
    write(first / "legacy-1.0.egg-info", "Name: Legacy\nVersion: 1.0\n")
    write(first / "old-3.egg" / "EGG-INFO" / "PKG-INFO", "Name: old\nVersion: 3\n")
    (first / "broken-1.0.dist-info").mkdir()
    write(second / "noversion-1.dist-info" / "METADATA", "Name: noversion\n")
    paths = [first, str(second)]
    versions = installed_versions(paths)
    assert versions == {"shared-name": "2.0", "legacy": "1.0", "old": "3"}, "first copy wins; unreadable left out"
    assert versions == {p["name"]: p["version"] for p in native_scan(paths)["packages"]}


def test_installed_versions_refuses_a_single_path(tmp_path: Path) -> None:
    from genevars import installed_versions

    with pytest.raises(TypeError, match="list of directories"):
        installed_versions(str(tmp_path))  # type: ignore[arg-type]
    assert installed_versions([tmp_path / "missing"]) == {}
