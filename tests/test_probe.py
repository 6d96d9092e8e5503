"""The stdlib probe: the snapshot contract, secrets, and running where genevars is absent."""

from __future__ import annotations

import ast
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from genevars import _core, _probe
from snapshot_trees import dist_info, native_scan, package_view

PROBE_SOURCE = Path(_probe.__file__).read_text(encoding="utf-8")
CANARY = "canary-" + secrets.token_hex(8)


def snapshot(**options: Any) -> Dict[str, Any]:
    return _probe.take_snapshot({"secret_rules": _core.secret_rules(), **options})


def test_snapshot_has_every_section_and_validates(tmp_path: Path) -> None:
    dist_info(tmp_path, "numpy", "1.26.4")
    snap = snapshot(paths=[str(tmp_path)])
    json.loads(_core.validate_snapshot(json.dumps(snap), "probe"))
    assert snap["schema"] == "genevars.snapshot/1"
    assert snap["created_by"] == {"tool": "genevars", "version": _core.__version__, "scanner": "native"}
    assert snap["genevars_version"] == _core.__version__
    assert snap["sys_path"] == [str(tmp_path)]
    assert [p["name"] for p in snap["packages"]] == ["numpy"]
    assert snap["cwd"] == os.getcwd()
    assert "origin" not in snap
    python = snap["python"]
    assert python["version"] == sys.version
    assert python["version_info"]["minor"] == sys.version_info.minor
    assert python["implementation"] == platform.python_implementation()
    assert python["executable"] == sys.executable
    assert python["abi_tag"] == "cp%d%d" % sys.version_info[:2]
    assert snap["platform"]["system"] == platform.system()
    assert snap["platform"]["machine"] == platform.machine()
    family, version = platform.libc_ver()
    assert snap["platform"]["libc"] == ({"family": family, "version": version} if family else None)


def test_markers_are_the_pep508_environment() -> None:
    markers = snapshot(paths=[])["markers"]
    assert sorted(markers) == sorted(
        [
            "implementation_name", "implementation_version", "os_name", "platform_machine",
            "platform_python_implementation", "platform_release", "platform_system",
            "platform_version", "python_full_version", "python_version", "sys_platform",
        ]
    )
    assert markers["python_version"] == "%d.%d" % sys.version_info[:2]
    assert markers["python_full_version"] == platform.python_version()
    assert markers["implementation_name"] == sys.implementation.name
    assert markers["sys_platform"] == sys.platform
    assert markers["os_name"] == os.name


def platform_markers() -> Dict[str, str]:
    return {
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
    }


def test_markers_read_without_platform_are_platforms() -> None:
    # On CPython on Linux and macOS the markers come from os.uname() and sys.version, not
    # from importing platform: the values must be platform's all the same.
    if sys.implementation.name == "cpython" and sys.platform in ("linux", "darwin"):
        assert _probe._uname_markers() is not None
    markers = _probe.marker_environment()
    assert {key: markers[key] for key in platform_markers()} == platform_markers()


@pytest.mark.parametrize(
    "version",
    ["3.13.0rc1 (main, Oct 1 2024) [GCC 12.2.0]", "3.12.0+ (heads/3.12:abc, Oct 2 2023) [GCC]"],
)
def test_pre_release_and_dev_versions_read_as_platform_reads_them(monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    monkeypatch.setattr(sys, "version", version)
    monkeypatch.setattr(platform, "_sys_version_cache", {}, raising=False)
    fast = _probe._uname_markers()
    assert platform.python_version() == version.split()[0]
    # Elsewhere than CPython on Linux and macOS, platform is asked (None here).
    assert fast is None or fast[4] == platform.python_version()
    assert _probe.marker_environment()["python_full_version"] == platform.python_version()


def test_python_scanner_when_native_is_not_wanted(tmp_path: Path) -> None:
    dist_info(tmp_path, "a", "1")
    native, python = snapshot(paths=[str(tmp_path)]), snapshot(paths=[str(tmp_path)], use_native=False)
    assert python["created_by"]["scanner"] == "python"
    assert python["packages"] == native["packages"]


def test_a_workers_native_scanner_of_another_protocol(tmp_path: Path, monkeypatch) -> None:
    """A worker's genevars may be older or newer than the probe: protocol 1 returned JSON
    text and is still read natively; an unknown protocol falls back to the stdlib scanner."""
    dist_info(tmp_path, "a", "1")
    expected = snapshot(paths=[str(tmp_path)])["packages"]
    current = _core.scan_paths
    monkeypatch.setattr(_core, "SCAN_PROTOCOL", 1)
    monkeypatch.setattr(_core, "scan_paths", lambda paths: json.dumps(current(paths)))
    old = snapshot(paths=[str(tmp_path)])
    assert (old["created_by"]["scanner"], old["packages"]) == ("native", expected)
    monkeypatch.setattr(_core, "SCAN_PROTOCOL", 99)
    newer = snapshot(paths=[str(tmp_path)])
    assert (newer["created_by"]["scanner"], newer["packages"]) == ("python", expected)


@pytest.mark.parametrize("use_native", [True, False])
def test_snapshot_parts_are_the_snapshot_with_its_package_list_as_text(
    tmp_path: Path, monkeypatch, use_native: bool
) -> None:
    """What a Ray probe sends: the snapshot without packages, and the list as compact
    JSON text; from the native text writer when there is one, else from the dicts."""
    dist_info(tmp_path, "numpy", "1.26.4")
    dist_info(tmp_path / "zürich", "pandas", "2.2.2")
    (tmp_path / "broken-1.0.dist-info").mkdir()
    paths = [str(tmp_path), str(tmp_path / "zürich")]
    options = {"paths": paths, "use_native": use_native, "origin": {"node_id": "n1"}}
    whole = snapshot(**options)
    rest, packages = _probe.take_snapshot_parts({"secret_rules": _core.secret_rules(), **options})
    assert rest == {k: v for k, v in whole.items() if k != "packages"}
    assert rest["unreadable"] and [p["name"] for p in json.loads(packages)] == ["numpy", "pandas"]
    assert json.loads(packages) == whole["packages"]
    assert ", " not in packages and ": " not in packages  # compact
    if use_native:  # written by the native writer: no dict scan was needed
        with monkeypatch.context() as patched:
            patched.setattr(_core, "scan_paths", lambda paths: 1 / 0)
            assert _probe.take_snapshot_parts({"secret_rules": _core.secret_rules(), **options}) == (rest, packages)
    # A native text writer that fails leaves the dict scan to do the work (the text may
    # escape other characters: json.dumps writes ASCII, the native writer UTF-8).
    monkeypatch.setattr(_core, "scan_native", lambda paths: 1 / 0, raising=False)
    fallback_rest, fallback_packages = _probe.take_snapshot_parts({"secret_rules": _core.secret_rules(), **options})
    assert (fallback_rest, json.loads(fallback_packages)) == (rest, whole["packages"])


def test_sys_path_is_the_default() -> None:
    snap = snapshot()
    assert snap["sys_path"] == [p for p in sys.path if isinstance(p, str)]
    assert package_view(snap) == package_view(native_scan(sys.path))


def test_origin_is_completed_with_host_and_pid() -> None:
    snap = snapshot(paths=[], origin={"node_id": "abc", "node_address": "127.0.0.1"})
    assert snap["origin"]["node_id"] == "abc"
    assert snap["origin"]["pid"] == os.getpid()
    assert snap["origin"]["hostname"]


def test_secret_rules_are_required() -> None:
    with pytest.raises(ValueError, match="secret_rules"):
        _probe.take_snapshot({"paths": []})


# ------------------------------------------------------------------ secrets


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENEVARS_TEST_API_KEY", CANARY)
    monkeypatch.setenv("GENEVARS_TEST_INDEX_URL", f"https://user:{CANARY}@pypi.example.com/simple")
    monkeypatch.setenv("GENEVARS_TEST_SIGNED", f"https://b.s3.amazonaws.com/k?X-Amz-Signature={CANARY}&a=1")
    monkeypatch.setenv("GENEVARS_TEST_PLAIN", "plain-value")


def test_secrets_are_withheld(secret_env: None) -> None:
    for scanner in (True, False):
        snap = snapshot(paths=[], use_native=scanner)
        text = json.dumps(snap)
        assert CANARY not in text
        env = snap["env"]
        assert env["GENEVARS_TEST_API_KEY"] == {"withheld": "secret", "fingerprint": None, "display": None}
        assert env["GENEVARS_TEST_INDEX_URL"] == {
            "withheld": "url-credentials",
            "fingerprint": None,
            "display": "https://***@pypi.example.com/simple",
        }
        assert env["GENEVARS_TEST_SIGNED"]["display"] == "https://b.s3.amazonaws.com/k?X-Amz-Signature=***&a=1"
        assert env["GENEVARS_TEST_PLAIN"] == "plain-value"
        json.loads(_core.validate_snapshot(text, "probe"))


def test_fingerprints_match_the_core(secret_env: None) -> None:
    key = secrets.token_bytes(32)
    env = snapshot(paths=[], fingerprint_key=key.hex())["env"]
    assert env["GENEVARS_TEST_API_KEY"]["fingerprint"] == _core.fingerprint(key, CANARY)
    assert env["GENEVARS_TEST_INDEX_URL"]["fingerprint"] == _core.fingerprint(
        key, os.environ["GENEVARS_TEST_INDEX_URL"]
    )
    other = snapshot(paths=[], fingerprint_key=secrets.token_bytes(32).hex())["env"]
    assert other["GENEVARS_TEST_API_KEY"]["fingerprint"] != env["GENEVARS_TEST_API_KEY"]["fingerprint"]
    for value in ["", "v", "ünïcödé", "a" * 1000]:
        assert _probe.fingerprint(key, value) == _core.fingerprint(key, value)


def test_reveal_values_stores_plain_values(secret_env: None) -> None:
    env = snapshot(paths=[], reveal_values=True)["env"]
    assert env["GENEVARS_TEST_API_KEY"] == CANARY
    assert env["GENEVARS_TEST_INDEX_URL"].startswith("https://user:canary-")


MASK_CASES = [
    "https://user:pass@host/x",
    "https://token@host",
    "a https://t@h/x and http://u:p@g/y",
    "s3://bucket/key?X-Amz-Signature=abc123&x=1",
    "https://x/?token=a?key=bb&x",
    "https://x/?TOKEN=&key=1#frag",
    "?sig=1&sig=2&sp=r",
    "https://u@h?code=c d",
    "no url here",
    "/usr/bin:/bin",
    "://@",
    "https://ü:ß@höst/päth?api_key=ü",
    "https://h/?\u212aey=kelvin",
    "https://h/?a=1\u2003key=2&key=3",
    "https://h/\u00a0x@y",
    "&&&===???",
]


@pytest.mark.parametrize("value", MASK_CASES)
def test_url_masking_matches_the_core(value: str) -> None:
    rules = _core.secret_rules()
    assert (_probe.mask_credentials(value, rules) or value) == _core.mask_credentials(value)


SECRET_CASES = json.loads(
    (Path(__file__).resolve().parents[1] / "src" / "knowledge" / "secret_cases.json").read_text()
)


@pytest.mark.parametrize("value, expected", SECRET_CASES["masked"])
def test_probe_masks_the_shared_cases(value: str, expected: str | None) -> None:
    # The same table src/redact.rs is tested against: the two maskers agree by construction.
    rules = _core.secret_rules()
    assert _probe.mask_credentials(value, rules) == expected
    assert _core.mask_credentials(value) == (value if expected is None else expected)


def test_probe_recognises_the_shared_secret_shapes_and_names() -> None:
    rules = _core.secret_rules()
    for value in SECRET_CASES["secret_values"]:
        assert _probe.is_secret_value(value, rules) and _core.is_secret_value(value), value
    for value in SECRET_CASES["plain_values"]:
        assert not _probe.is_secret_value(value, rules) and not _core.is_secret_value(value), value
    for name in SECRET_CASES["secret_keys"]:
        assert _probe.is_secret_key(name, rules) and _core.is_secret_key(name), name
    for name in SECRET_CASES["plain_keys"]:
        assert not _probe.is_secret_key(name, rules) and not _core.is_secret_key(name), name


def test_secret_key_rules_match_the_core() -> None:
    rules = _core.secret_rules()
    names = list(os.environ) + [
        "AWS_SECRET_ACCESS_KEY", "MY_API_KEY", "github_token", "DB_PASSWORD", "HF_TOKEN",
        "SENTRY_DSN", "TOKENIZERS_PARALLELISM", "SSH_AUTH_SOCK", "KEYRING_BACKEND", "PATH",
        "x_pwd", "PWD", "OLDPWD", "my_session_id", "strasse_key", "naïve_token", "AUTH",
    ]
    for name in names:
        assert _probe.is_secret_key(name, rules) == _core.is_secret_key(name), name


# ------------------------------------------------------------------ shipped by value


def test_module_level_imports_are_stdlib_only() -> None:
    tree = ast.parse(PROBE_SOURCE)
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "genevars" not in imported
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def run_probe_without_genevars(python: str, paths: list, extra: str = "") -> Dict[str, Any]:
    """Exec the probe's source in an interpreter that cannot import genevars (-S: no
    site-packages), as a Ray worker without genevars would."""
    code = (
        "import json, sys\n"
        "ns = {'__name__': 'genevars_probe_by_value'}\n"
        "exec(compile(sys.stdin.read(), '_probe.py', 'exec'), ns)\n"
        "opts = json.loads(sys.argv[1])\n"
        f"{extra}"
        "print(json.dumps(ns['take_snapshot'](opts)))\n"
    )
    options = {"paths": paths, "secret_rules": _core.secret_rules(), "use_native": True}
    proc = subprocess.run(
        [python, "-S", "-c", code, json.dumps(options)],
        input=PROBE_SOURCE,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_probe_runs_by_value_where_genevars_is_absent(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    dist_info(first, "numpy", "2.2.6")
    dist_info(second, "numpy", "1.26.4")
    dist_info(second, "pandas", "2.2.2")
    paths = [str(first), str(tmp_path / "missing"), str(second)]
    snap = run_probe_without_genevars(sys.executable, paths, "assert 'genevars' not in sys.modules\n")
    assert snap["created_by"]["scanner"] == "python"
    assert snap["genevars_version"] is None
    native = native_scan(paths)
    assert snap["packages"] == native["packages"]
    assert snap["unreadable"] == native["unreadable"]
    json.loads(_core.validate_snapshot(json.dumps(snap), "worker"))


def test_probe_on_the_venv_without_genevars_matches_native() -> None:
    site_dirs = [p for p in sys.path if p.endswith("site-packages")]
    snap = run_probe_without_genevars(sys.executable, site_dirs)
    assert snap["created_by"]["scanner"] == "python"
    assert package_view(snap) == package_view(native_scan(site_dirs))


def _python38() -> Optional[str]:
    for candidate in (shutil.which("python3.8"), os.path.expanduser("~/.pyenv/versions/3.8.18/bin/python3.8")):
        if candidate and os.path.exists(candidate):
            try:
                out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                     capture_output=True, text=True, timeout=30)
            except OSError:
                continue
            if out.returncode == 0 and out.stdout.strip() == "(3, 8)":
                return candidate
    return None


PYTHON38 = _python38()


@pytest.mark.skipif(PYTHON38 is None, reason="no Python 3.8 interpreter on this machine")
def test_probe_runs_on_python_3_8(tmp_path: Path) -> None:
    dist_info(tmp_path, "attrs", "23.2.0")
    snap = run_probe_without_genevars(PYTHON38, [str(tmp_path)])
    assert snap["python"]["version_info"]["minor"] == 8
    assert snap["python"]["abi_tag"] == "cp38"
    assert snap["packages"] == native_scan([tmp_path])["packages"]


def test_describe_reports_the_interpreter_not_the_script_dir() -> None:
    proc = subprocess.run(
        [sys.executable, _probe.__file__, "--describe"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    described = json.loads(proc.stdout)
    assert set(described) == {"sys_path", "python", "platform", "markers", "genevars_version"}
    assert os.path.dirname(_probe.__file__) not in described["sys_path"]
    assert described["python"]["executable"] == sys.executable
    assert described["genevars_version"] == _core.__version__


def test_describe_refuses_other_arguments() -> None:
    proc = subprocess.run([sys.executable, _probe.__file__], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "usage: python _probe.py --describe" in proc.stderr


def test_importing_the_probe_leaves_platform_sysconfig_hmac_and_socket_unloaded() -> None:
    # `genevars snapshot --python` with a cached description loads the probe only to
    # capture the environment and assemble the snapshot: none of these is needed for that.
    code = (
        "import sys, genevars._probe; "
        "print(sorted(m for m in ('platform', 'sysconfig', 'hmac', 'socket') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_sys_path_credentials_are_masked_and_still_compared() -> None:
    key = secrets.token_bytes(16).hex()

    def entries(token: str, **options: Any) -> list:
        url = f"https://user:{token}@pkgs.example.com/lib"
        return snapshot(**{"paths": [url, "/nonexistent-plain"], "fingerprint_key": key, **options})["sys_path"]

    one, same, other = entries("TOKEN-A"), entries("TOKEN-A"), entries("TOKEN-B")
    assert one[0].startswith("https://***@pkgs.example.com/lib (hmac-sha256:")
    assert one[1] == "/nonexistent-plain"
    assert "TOKEN-A" not in json.dumps(one) and one == same and one[0] != other[0]
    assert entries("TOKEN-A", reveal_values=True)[0] == "https://user:TOKEN-A@pkgs.example.com/lib"
