"""The Ray entry points fail clearly and fast: no Ray, no connection, a dead address, bad flags.

None of these tests starts a cluster.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from conftest import free_port

import genevars
from genevars import compare_env


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
    )


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "genevars.compare_env", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_import_genevars_does_not_import_ray():
    done = run_python(
        "import sys, genevars, genevars.compare_env, genevars.__main__\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_missing_ray_is_an_import_error_naming_the_extra():
    # sys.modules["ray"] = None makes `import ray` raise ImportError, as when not installed.
    done = run_python(
        "import sys; sys.modules['ray'] = None\n"
        "from genevars import get_comparison_result\n"
        "try:\n"
        "    get_comparison_result(auto_init=True, ray_address='local')\n"
        "except ImportError as exc:\n"
        "    print('IMPORT-ERROR', exc)\n"
    )
    assert done.returncode == 0, done.stderr
    assert 'IMPORT-ERROR' in done.stdout
    assert 'pip install "genevars[ray]"' in done.stdout


def test_missing_ray_on_the_command_line_exits_2_with_one_line():
    done = run_python(
        "import sys; sys.modules['ray'] = None\n"
        "from genevars.compare_env import main\n"
        "sys.exit(main(['--address', 'local']))\n"
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and 'pip install "genevars[ray]"' in lines[0]


def test_not_initialized_without_auto_init_lists_the_ways_out():
    import ray

    assert not ray.is_initialized()
    with pytest.raises(RuntimeError) as caught:
        genevars.get_comparison_result()
    assert isinstance(caught.value, genevars.ClusterError)
    message = str(caught.value)
    assert "ray.init" in message and "auto_init=True" in message and "--address local" in message
    assert not ray.is_initialized()


def test_nothing_listening_fails_within_the_timeout():
    address = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(RuntimeError) as caught:
        genevars.get_comparison_result(auto_init=True, ray_address=address, timeout=5)
    assert time.monotonic() - started < 15
    assert address in str(caught.value)
    assert "--address local" in str(caught.value)


def test_ray_client_address_with_nothing_listening_fails_fast():
    address = f"ray://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(genevars.ClusterError) as caught:
        genevars.get_comparison_result(auto_init=True, ray_address=address, timeout=5)
    assert time.monotonic() - started < 15
    assert "Ray Client server" in str(caught.value)


def test_cli_nothing_listening_exits_2_with_one_line_saying_what_to_do():
    address = f"127.0.0.1:{free_port()}"
    done = run_cli("--address", address, "--timeout", "5")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert address in lines[0] and "--address local" in lines[0]
    assert done.stdout == ""


def test_cli_without_auto_init_exits_2():
    done = run_cli("--no-auto-init")
    assert done.returncode == 2
    assert "Ray is not initialized" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--runtime-env", "{not json"], "--runtime-env: not valid JSON"),
        (["--runtime-env", "[1, 2]"], "must be a JSON object"),
        (["--runtime-env", "@/nonexistent/env.json"], "/nonexistent/env.json: no such file"),
        (["--timeout", "0"], "--timeout"),
        (["--manifest", "/nonexistent/manifest.json"], "--manifest"),
        (["--address", "no-port-here"], "not HOST:PORT"),
    ],
)
def test_cli_bad_input_exits_2_naming_the_input(flags, expected):
    done = run_cli(*flags)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr


def test_cli_usage_error_exits_2():
    done = run_cli("--fail-on", "sometimes")
    assert done.returncode == 2
    assert "--fail-on" in done.stderr


def test_runtime_env_file_is_read(tmp_path):
    path = tmp_path / "env.json"
    path.write_text(json.dumps({"env_vars": {"A": "1"}}))
    assert compare_env._parse_runtime_env(f"@{path}") == {"env_vars": {"A": "1"}}


def test_runtime_env_and_manifest_merge_with_runtime_env_winning():
    class ManifestLike:
        def to_runtime_env(self):
            return {"env_vars": {"A": "from-manifest", "B": "b"}, "pip": ["numpy==1.26.4"]}

    merged = compare_env._runtime_env_of({"env_vars": {"A": "explicit"}}, ManifestLike())
    assert merged == {"env_vars": {"A": "explicit", "B": "b"}, "pip": ["numpy==1.26.4"]}
    assert compare_env._runtime_env_of(None, None) is None
    with pytest.raises(TypeError, match="to_runtime_env"):
        compare_env._runtime_env_of(None, object())
    with pytest.raises(TypeError, match="runtime_env must be a dict"):
        compare_env._runtime_env_of(["pip"], None)


def test_a_listener_that_is_not_ray_fails_within_the_timeout():
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    address = f"127.0.0.1:{server.getsockname()[1]}"
    started = time.monotonic()
    try:
        with pytest.raises(genevars.ClusterError, match="no gRPC answer"):
            genevars.get_comparison_result(auto_init=True, ray_address=address, timeout=3)
    finally:
        server.close()
    assert time.monotonic() - started < 3 + 10
