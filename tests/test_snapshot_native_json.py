"""The native snapshot writer (`_core.scan_native(...).snapshot_json`, `_core.snapshot_json`)
and `genevars snapshot`, which writes its file with it: the text is byte for byte what
`json.dumps(snapshot, indent=N, ensure_ascii=False)` writes for the same snapshot."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from genevars import SnapshotError, _core, _probe, snapshot_env
from genevars.__main__ import main
from snapshot_trees import dist_info, write

ODD_TEXT = 'quote " backslash \\ tab \t nul-ish \x01 del \x7f é 😀 \u2028 end'


@pytest.fixture
def odd_sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """Two site dirs whose paths, metadata and environment need escaping, with a shadowed
    copy, an egg-info, a direct URL and an unreadable entry."""
    first = tmp_path / 'site "é" \\ one'
    second = tmp_path / "site\nzwei 😀"
    dist_info(first, "numpy", "2.2.6", extra='Requires-Dist: typing-extensions; python_version < "3.9"\n')
    dist_info(second, "numpy", "1.26.4")
    dist_info(
        second,
        "Zope.Interface",
        "6.0",
        installer="uv",
        direct_url={"url": "file:///src/z%C3%A9", "dir_info": {"editable": True}},
        extra="Provides-Extra: test\nRequires-Python: >=3.8\n",
    )
    write(second / "legacy.egg-info" / "PKG-INFO", "Metadata-Version: 1.1\nName: legacy\nVersion: 0.1\n")
    write(second / "broken-1.0.dist-info" / "METADATA", "Name: broken\n")
    monkeypatch.setenv("GENEVARS_TEST_ODD", ODD_TEXT)
    monkeypatch.setenv("GENEVARS_TEST_URL", "https://user:pw@example.com/simple")
    monkeypatch.setenv("GENEVARS_TEST_PASSWORD", "hunter2")
    monkeypatch.chdir(tmp_path)
    return [str(first), str(second)]


def parts_and_snapshot(paths: List[str]) -> tuple:
    """The non-scan parts (with placeholders) and the full snapshot dict, as the probe
    assembles it from the Python-object scan."""
    rules = _core.secret_rules()
    facts = _probe._interpreter_facts()
    env = _probe.capture_env(os.environ, rules, None, False)
    version = _core.__version__
    parts = _probe.assemble_snapshot(facts, env, paths, {"packages": None, "unreadable": None}, "native", version)
    data = _probe.assemble_snapshot(facts, env, paths, _core.scan_paths(paths), "native", version)
    return parts, data


@pytest.mark.parametrize("indent", [2, 0, 4])
def test_native_text_is_json_dumps_of_the_same_snapshot(odd_sites: List[str], indent: int) -> None:
    parts, data = parts_and_snapshot(odd_sites)
    assert [p["name"] for p in data["packages"]] == ["legacy", "numpy", "zope-interface"]
    assert data["packages"][1]["shadowed"] and data["unreadable"]
    text = _core.snapshot_json(json.dumps(parts), odd_sites, indent=indent)
    assert text == json.dumps(data, indent=indent, ensure_ascii=False)


def test_without_indent_the_text_is_one_line_of_the_same_json(odd_sites: List[str]) -> None:
    parts, data = parts_and_snapshot(odd_sites)
    text = _core.snapshot_json(json.dumps(parts), odd_sites)
    assert "\n" not in text
    assert json.loads(text) == data


def test_scan_goes_where_the_parts_put_it_or_at_the_end(odd_sites: List[str]) -> None:
    scan = _core.scan_native(odd_sites)
    assert (scan.package_count, scan.unreadable_count) == (3, 1)
    assert repr(scan) == "<NativeScan 3 packages, 1 unreadable>"
    first = json.loads(scan.snapshot_json(json.dumps({"unreadable": 0, "b": 1, "packages": 0})))
    assert list(first) == ["unreadable", "b", "packages"]
    assert len(first["packages"]) == 3 and first["unreadable"][0]["reason"] == "METADATA has no Version field"
    appended = json.loads(scan.snapshot_json('{"a": {"z": 1, "y": 2}}', indent=2))
    assert list(appended) == ["a", "packages", "unreadable"]
    assert list(appended["a"]) == ["z", "y"]  # nested key order kept too


@pytest.mark.parametrize(
    "parts, message",
    [
        ("[]", "snapshot parts: the top level must be a JSON object, not an array"),
        ('{"a": ', "snapshot parts: not valid JSON: EOF while parsing a value at line 1 column 6"),
        ('{"a": "\\udc80"}', "snapshot parts: not valid JSON: "),
    ],
)
def test_parts_that_are_not_a_json_object_are_a_one_line_snapshot_error(parts: str, message: str) -> None:
    with pytest.raises(SnapshotError) as info:
        _core.scan_native([]).snapshot_json(parts)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def cli_output(args: List[str], out: Path) -> str:
    assert main(["snapshot", *args, "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_cli_file_is_the_snapshot_saved(odd_sites: List[str], tmp_path: Path) -> None:
    args = [arg for path in odd_sites for arg in ("--path", path)]
    text = cli_output(args, tmp_path / "cli.json")
    assert text == snapshot_env(odd_sites, as_tree=True).to_json(indent=2) + "\n"
    assert "hunter2" not in text and "pw@" not in text


def test_cli_python_file_is_the_snapshot_saved(odd_sites: List[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(odd_sites))  # the other interpreter's path has them
    text = cli_output(["--python", sys.executable], tmp_path / "cli.json")
    expected: Dict[str, Any] = snapshot_env(python=sys.executable).to_dict()
    assert text == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
    assert set(odd_sites) <= set(expected["sys_path"])
    assert {"numpy", "zope-interface", "legacy"} <= {p["name"] for p in expected["packages"]}


def test_cli_stdout_is_the_same_text(odd_sites: List[str], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["--path", odd_sites[1]]
    assert main(["snapshot", *args]) == 0
    printed = capsys.readouterr().out
    assert printed == cli_output(args, tmp_path / "cli.json")


def test_a_scan_used_from_several_threads_at_once_is_waited_for_once(odd_sites: List[str]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    scan = _core.scan_native(odd_sites)  # still running in the background
    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(lambda _: scan.snapshot_json("{}", indent=2), range(8)))
    assert len(set(texts)) == 1 and scan.package_count == 3
    assert [p["name"] for p in json.loads(texts[0])["packages"]] == ["legacy", "numpy", "zope-interface"]


def test_write_snapshot_writes_the_same_text_to_a_descriptor_it_leaves_open(odd_sites: List[str], tmp_path: Path) -> None:
    scan = _core.scan_native(odd_sites)
    parts = json.dumps({"schema": "x", "packages": None, "unreadable": None, "odd": ODD_TEXT})
    out = tmp_path / "out.json"
    with open(out, "wb") as f:
        f.write(b"<")
        f.flush()
        scan.write_snapshot(parts, f.fileno(), indent=2, end="\n")
        f.write(b">")  # still open, and positioned after what was written
    assert out.read_bytes() == b"<" + (scan.snapshot_json(parts, indent=2) + "\n").encode("utf-8") + b">"


def test_write_snapshot_of_many_packages_is_written_whole_in_pieces(tmp_path: Path) -> None:
    # The text is written as it is made, 64 KiB at a time: many pieces must make the
    # same text as the one made whole, and the parts are refused before anything is
    # written.
    site = tmp_path / "site"
    for i in range(500):
        dist_info(site, f"pkg{i:03d}", f"1.{i}", extra=f"Requires-Dist: dep{i} (>=1); extra == \"x\"\n")
    scan = _core.scan_native([str(site)])
    parts = json.dumps({"schema": "x", "packages": None, "unreadable": None, "odd": ODD_TEXT})
    for indent in (2, None):
        out = tmp_path / f"out-{indent}.json"
        with open(out, "wb") as f:
            scan.write_snapshot(parts, f.fileno(), indent=indent, end="\n")
        whole = (scan.snapshot_json(parts, indent=indent) + "\n").encode("utf-8")
        assert len(whole) > 2 * 65536
        assert out.read_bytes() == whole
    with open(tmp_path / "refused.json", "wb") as f:
        with pytest.raises(SnapshotError):
            scan.write_snapshot('{"packages": 1, "packages": 2}', f.fileno())
    assert (tmp_path / "refused.json").read_bytes() == b""


def test_write_snapshot_failures_are_oserrors_with_their_errno(odd_sites: List[str], tmp_path: Path) -> None:
    import errno

    scan = _core.scan_native(odd_sites)
    (tmp_path / "ro").write_text("")
    fd = os.open(tmp_path / "ro", os.O_RDONLY)
    try:
        with pytest.raises(OSError) as info:
            scan.write_snapshot("{}", fd)
        assert (info.value.errno, info.value.strerror) == (errno.EBADF, "Bad file descriptor")
    finally:
        os.close(fd)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        with pytest.raises(BrokenPipeError):
            scan.write_snapshot("{}", write_end)
    finally:
        os.close(write_end)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_cli_says_when_the_file_cannot_be_written(odd_sites: List[str], capsys: pytest.CaptureFixture) -> None:
    assert main(["snapshot", "--path", odd_sites[0], "-o", "/dev/full"]) == 2
    assert capsys.readouterr().err == "genevars: cannot write /dev/full: No space left on device\n"


def test_a_large_scan_is_freed_apart_and_its_text_stays_whole(tmp_path: Path) -> None:
    """Above 1,000 packages a dropped scan is freed on a thread of its own; what was
    taken from it is unaffected."""
    import gc

    for i in range(1001):
        dist_info(tmp_path, f"pkg{i}", "1.0")
    scan = _core.scan_native([str(tmp_path)])
    text = scan.snapshot_json("{}", indent=2)
    del scan
    gc.collect()
    assert len(json.loads(text)["packages"]) == 1001
    assert _core.scan_native([str(tmp_path)]).package_count == 1001
