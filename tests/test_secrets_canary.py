"""The canary harness: distinct secret values planted in every form a user's secrets take
(variables of the driver and of a second node of a real Ray cluster, sys.path, METADATA,
direct_url.json, manifests, requirements and conda data, CLI arguments, bad inputs that
raise errors), and every output genevars produces scanned for them. Zero hits, and each
canary is seen where the user asks to reveal values (or, where nothing can reveal it, its
mask is seen), so a canary that never reached any output is noticed.

One cluster for the whole module; the comparisons reuse it.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

import genevars
from genevars import ManifestBuilder, _core
from genevars.__main__ import main as genevars_main
from genevars.compare_env import main as compare_env_main

from conftest import RAY_NODE_ARGS

MASK = "***"


def canary(n: int) -> str:
    # Letters and digits only, so that every form can carry it (JWT parts, AKIA ids).
    return f"CNRY{n:02d}Q7ZX"


# --- the forms ---------------------------------------------------------------------------
# Variables of the driver only (so each is a difference the comparison shows).
DRIVER_ENV: Dict[str, str] = {
    "MY_API_KEY": canary(1),
    "DB_PASS": canary(2),
    "GITLAB_PAT": canary(3),
    "AWS_SESSION_TOKEN": canary(4),
    "BASIC_AUTH": canary(5),
    "INDEX_LOCATION": f"https://user:{canary(6)}@pypi.example.com/simple",
    "GL_API": f"https://gitlab.example.com/api/v4?private_token={canary(7)}",
    "DATA_OBJECT": f"https://b.s3.amazonaws.com/o?X-Amz-Signature={canary(8)}&x=1",
    "DATABASE_LOCATION": f"postgres://u:pa/{canary(9)}@db.example.com/app",
    "MONGO_HOSTS": f"admin:{canary(10)}@h1.example.com,h2.example.com",
    "NOTIFY_HOOK": f"https://hooks.slack.com/services/T0001/B0001/{canary(11)}",
    "CHAT_HOOK": f"https://discord.com/api/webhooks/123456/{canary(12)}",
    "CONDA_CHANNEL": f"https://conda.example.com/t/{canary(13)}/team",
    "IDENTITY": f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.{canary(14)}",
    "SERVICE_CERT": f"-----BEGIN PRIVATE KEY-----\n{canary(15)}\n-----END PRIVATE KEY-----",
    "SERVICE_JSON": json.dumps({"type": "service_account", "password": canary(16)}),
    "GH": f"ghp_{canary(17)}abcdefghijklmnopqrstuvwxyz",
    "AWS_ID": f"AKIA{canary(18)}ABCDEF",
    "PYTHON_INDEX_LOCATION": f"https://user:{canary(19)}@pypi.example.com/simple",
}
# Variables of the second node only.
NODE_ENV: Dict[str, str] = {
    "NODE_TOKEN": canary(20),
    "NODE_INDEX": f"https://user:{canary(21)}@pypi.example.com/simple",
    "NODE_JWT": f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.{canary(22)}",
}
# Entries of the driver's sys.path.
SYS_PATH = [
    f"https://user:{canary(23)}@pkgs.example.com/lib",
    f"https://pkgs.example.com/lib?token={canary(24)}",
]
REQUIRES_DIST = f"privpkg @ https://user:{canary(25)}@pkgs.example.com/privpkg-1.0-py3-none-any.whl"
DIRECT_URL = f"https://user:{canary(26)}@pkgs.example.com/canarypkg-1.0-py3-none-any.whl"
# Manifest values (they reach the probes' runtime_env).
MANIFEST_ENV = {"API_TOKEN": canary(27), "EXTRA_INDEX": f"https://user:{canary(28)}@pkgs.example.com/simple"}
MANIFEST_PIP = f"canarypkg @ https://user:{canary(29)}@pkgs.example.com/canarypkg-1.0-py3-none-any.whl"
MANIFEST_INDEX = f"https://user:{canary(30)}@pkgs.example.com/simple"
CONDA = {"channels": [f"https://conda.example.com/t/{canary(31)}/team"], "dependencies": ["python=3.11"]}
REQUIREMENTS = (
    f"--index-url https://user:{canary(32)}@pkgs.example.com/simple\n"
    f"canarypkg @ git+https://oauth2:{canary(33)}@git.example.com/g/r.git\n"
)
# A CLI argument: --runtime-env with a secret variable.
CLI_RUNTIME_ENV = {"env_vars": {"CLI_SECRET": canary(34)}}
# Bad inputs whose errors used to echo them.
BAD_PIP = f"numpy==1 -ihttps://user:{canary(35)}@pkgs.example.com/simple"
BAD_IMAGE = f"https://user:{canary(36)}@registry.example.com/img"
BAD_PIP_VERSION = f"==https://user:{canary(37)}@h/x"
BAD_MANIFEST_PIP = f"numpy --index-url https://user:{canary(38)}@pkgs.example.com/simple"
BAD_SNAPSHOT = f"https://user:{canary(39)}@h/not-a-schema"

FORMS = 39
ALL = [canary(n) for n in range(1, FORMS + 1)]


class Outputs:
    """Every output collected, by name."""

    def __init__(self) -> None:
        self.texts: List[Tuple[str, str]] = []

    def add(self, where: str, text: str) -> None:
        self.texts.append((where, text))

    def add_tree(self, where: str, root: Path) -> None:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                self.add(f"{where}/{path.relative_to(root)}", path.read_bytes().decode("utf-8", "replace"))

    def hits(self, canaries: List[str]) -> List[Tuple[str, str]]:
        return [(where, c) for where, text in self.texts for c in canaries if c in text]


def dist_info(site: Path) -> None:
    """A package whose METADATA requires a private wheel by URL, and whose direct_url.json
    records another."""
    d = site / "canarypkg-1.0.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: canarypkg\nVersion: 1.0\nRequires-Dist: {REQUIRES_DIST}\n\n"
    )
    (d / "direct_url.json").write_text(json.dumps({"url": DIRECT_URL, "archive_info": {}}))


@contextlib.contextmanager
def captured() -> Iterator[Tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def run_cli(outputs: Outputs, where: str, fn, argv: List[str]) -> Tuple[int, str]:
    with captured() as (out, err):
        try:
            status = fn(argv)
        except SystemExit as exc:  # argparse
            status = exc.code
    outputs.add(f"{where} stdout", out.getvalue())
    outputs.add(f"{where} stderr", err.getvalue())
    return status, out.getvalue()


@pytest.fixture(scope="module")
def cluster(ray_cluster_factory, tmp_path_factory) -> Iterator[object]:
    import ray

    cluster = ray_cluster_factory(node_envs=[NODE_ENV])
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        yield cluster
    finally:
        ray.shutdown()


def test_no_canary_in_any_output(cluster, tmp_path: Path, monkeypatch, caplog) -> None:
    import ray

    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    outputs = Outputs()
    revealed = Outputs()
    warnings_seen: List[warnings.WarningMessage] = []

    for name, value in DRIVER_ENV.items():
        monkeypatch.setenv(name, value)
    site = tmp_path / "site"
    dist_info(site)
    for entry in SYS_PATH + [str(site)]:
        monkeypatch.syspath_prepend(entry)
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))

    manifest = (
        ManifestBuilder.create("canary")
        .pip([MANIFEST_PIP])
        .add_extra_index_url(MANIFEST_INDEX)
        .env(MANIFEST_ENV)
        .build()
    )
    # What the probes run with: variables only (a pip entry would have Ray install it,
    # and Ray's pip log names its URL: see the README on what remains exposed).
    probe_manifest = ManifestBuilder.create("probe").env(MANIFEST_ENV).build()
    probe_manifest_file = tmp_path / "probe-manifest.json"
    probe_manifest.save(probe_manifest_file, reveal_values=True)
    manifest_file = tmp_path / "manifest.json"
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(REQUIREMENTS)
    snap_file = tmp_path / "local.json"
    fix_file = tmp_path / "fix.json"

    with warnings.catch_warnings(record=True) as warnings_seen:
        warnings.simplefilter("always")

        # The snapshot command: file and stdout; the reveal run shows the variables.
        run_cli(outputs, "genevars snapshot -o", genevars_main, ["snapshot", "-o", str(snap_file)])
        outputs.add("snapshot file", snap_file.read_text())
        run_cli(outputs, "genevars snapshot", genevars_main, ["snapshot"])
        _, text = run_cli(revealed, "genevars snapshot --reveal-values", genevars_main, ["snapshot", "--reveal-values"])
        revealed.add("snapshot --reveal-values", text)
        # --python: the description cache.
        run_cli(outputs, "genevars snapshot --python", genevars_main, ["snapshot", "--python", sys.executable])

        result = genevars.get_comparison_result(ray_address=cluster.address)
        outputs.add("get_comparison_result to_json", result.to_json())

        for flags in ([], ["--json"], ["--show-all"]):
            run_cli(outputs, f"genevars diff {flags}", genevars_main, ["diff", str(snap_file), str(snap_file), *flags])
        run_cli(outputs, "genevars check", genevars_main, ["check", str(snap_file)])
        run_cli(outputs, "genevars check --pins", genevars_main, ["check", "--pins", f"@{requirements}"])
        run_cli(outputs, "genevars requirements", genevars_main, ["requirements", "--for", "canarypkg", "--json"])

        # The cluster comparison through the CLI, with a manifest and a secret --runtime-env.
        manifest.save(manifest_file)
        outputs.add("Manifest.save", manifest_file.read_text())
        base = ["--address", cluster.address, "--fail-on", "never"]
        for flags in ([], ["--json"], ["--show-all", "--fix-manifest", str(fix_file)]):
            run_cli(
                outputs,
                f"compare_env {flags}",
                compare_env_main,
                [*base, "--manifest", str(probe_manifest_file), "--runtime-env", json.dumps(CLI_RUNTIME_ENV), *flags],
            )
        outputs.add("--fix-manifest FILE", fix_file.read_text())
        _, text = run_cli(
            revealed,
            "compare_env --reveal-values",
            compare_env_main,
            [*base, "--show-all", "--reveal-values", "--manifest", str(probe_manifest_file),
             "--runtime-env", json.dumps(CLI_RUNTIME_ENV)],
        )

        # The Python API: the result in every rendering.
        with captured() as (out, _):
            result = genevars.compare_ray_environments(ray_address=cluster.address, show_all=True, manifest=probe_manifest)
        outputs.add("compare_ray_environments printed", out.getvalue())
        for where, text in [
            ("repr(result)", repr(result)),
            ("str(result)", str(result)),
            ("result.report()", result.report(show_all=True, color=False)),
            ("result._repr_html_()", result._repr_html_()),
            ("result.to_json()", result.to_json()),
            ("result.findings", json.dumps(result.findings)),
        ]:
            outputs.add(where, text)
        fix = result.fix_manifest("fix").build()
        outputs.add("fix manifest to_json", fix.to_json())
        with captured() as (out, _):
            shown = genevars.compare_ray_environments(
                ray_address=cluster.address, show_all=True, reveal_values=True
            )
        revealed.add("compare_ray_environments(reveal_values=True)", out.getvalue() + shown.to_json())

        # The manifest in every form; revealed on request.
        conda = ManifestBuilder.create("conda").conda(CONDA).build()
        from_file = ManifestBuilder.create("reqs").requirements_path(requirements).build()
        for m in (manifest, conda, from_file):
            for where, text in [
                ("repr(Manifest)", repr(m)),
                ("str(Manifest)", str(m)),
                ("Manifest.to_json()", m.to_json()),
                ("Manifest.to_python()", m.to_python()),
                ("Manifest.to_requirements_txt()", m.to_requirements_txt()),
            ]:
                outputs.add(where, text)
            revealed.add("Manifest.to_json(reveal_values=True)", m.to_json(reveal_values=True))

        # Bad inputs: each raises, and its message is masked.
        errors: List[str] = []
        bad = [
            lambda: ManifestBuilder.create("x").pip([BAD_PIP]).build(),
            lambda: ManifestBuilder.create("x").worker_image(BAD_IMAGE).build(),
            lambda: ManifestBuilder.create("x").pip(["numpy"]).pip_version(BAD_PIP_VERSION).build(),
            lambda: genevars.Manifest.from_json(json.dumps({"name": "x", "pip": BAD_MANIFEST_PIP})),
            lambda: genevars.compare_snapshots(json.dumps({"schema": BAD_SNAPSHOT}), snap_file.read_text()),
        ]
        for attempt in bad:
            with pytest.raises(Exception) as info:
                attempt()
            errors.append(str(info.value))
            outputs.add(f"exception {type(info.value).__name__}", str(info.value) + repr(info.value))
        bad_manifest = tmp_path / "bad.json"
        bad_manifest.write_text(json.dumps({"name": "x", "pip": BAD_MANIFEST_PIP}))
        run_cli(outputs, "genevars manifest show BAD", genevars_main, ["manifest", "show", str(bad_manifest)])
        run_cli(outputs, "genevars diff BAD", genevars_main, ["diff", str(bad_manifest), str(snap_file)])

    outputs.add("warnings", "\n".join(str(w.message) for w in warnings_seen))
    outputs.add("logging", "\n".join(r.getMessage() for r in caplog.records))
    outputs.add_tree("cache", cache)
    # Ray's own files: the runtime_env of every task is logged by each node's agent.
    session = Path(ray._private.worker._global_node.get_session_dir_path())
    ray_files = Outputs()
    ray_files.add_tree("ray session", session)

    # Zero hits.
    assert outputs.hits(ALL) == []
    # Not only what went through a runtime_env: nothing of any form is in Ray's files.
    assert ray_files.hits(ALL) == []

    # Each canary was seen by something: revealed, or its mask shown where it was.
    seen = {c for _, c in revealed.hits(ALL)}
    env_canaries = [canary(n) for n in range(1, 23)] + [canary(n) for n in (27, 28, 29, 30, 31, 34)]
    assert sorted(set(env_canaries) - seen) == []
    # Masked where no one can reveal them: sys.path, METADATA, direct_url, requirements, errors.
    everything = "\n".join(text for _, text in outputs.texts)
    for shown in (
        "https://***@pkgs.example.com/lib",
        "https://pkgs.example.com/lib?token=***",
        "privpkg @ https://***@pkgs.example.com/privpkg-1.0-py3-none-any.whl",
        "https://***@pkgs.example.com/canarypkg-1.0-py3-none-any.whl",
    ):
        assert shown in everything, shown
    assert len(errors) == 5 and all(MASK in e for e in errors), errors
    print(
        f"canary harness: {FORMS} forms planted, {len(outputs.texts)} genevars outputs and "
        f"{len(ray_files.texts)} Ray session files scanned, 0 hits"
    )


HOOK_SCRIPT = """
import json, os, sys
import ray
from genevars import ManifestBuilder

manifest = (ManifestBuilder.create("job").env({"MODE": "batch", "HOOK_URL": os.environ["HOOK_URL"]})
            .env_from_local(["HOOK_TOKEN"]).build())
runtime_env = manifest.to_runtime_env(secrets_in_setup_hook=sys.argv[2] == "hook")

@ray.remote(num_cpus=0)
def seen():
    return {k: os.environ.get(k) for k in ("MODE", "HOOK_URL", "HOOK_TOKEN")}

ray.init(address=sys.argv[1], runtime_env=runtime_env, logging_level="ERROR", log_to_driver=False)
try:
    print(json.dumps({"seen": ray.get(seen.remote()), "env_vars": runtime_env.get("env_vars")}))
finally:
    ray.shutdown()
"""


def run_job(cluster, mode: str, token: str, url: str) -> dict:
    import subprocess

    env = dict(os.environ, HOOK_TOKEN=token, HOOK_URL=url)
    done = subprocess.run(
        [sys.executable, "-c", HOOK_SCRIPT, cluster.address, mode],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_job_gets_its_secrets_through_the_setup_hook_not_ray_logs(cluster) -> None:
    import ray

    token, url = canary(40), f"https://user:{canary(41)}@pkgs.example.com/simple"
    job = run_job(cluster, "hook", token, url)
    # The workers have the values; the runtime_env Ray sees holds none of them.
    assert job["seen"] == {"MODE": "batch", "HOOK_URL": url, "HOOK_TOKEN": token}
    # (ray.init adds the hook's GCS key to the dict it was given.)
    assert job["env_vars"]["MODE"] == "batch"
    assert canary(40) not in json.dumps(job["env_vars"]) and canary(41) not in json.dumps(job["env_vars"])
    session = Path(ray._private.worker._global_node.get_session_dir_path())
    files = Outputs()
    files.add_tree("ray session", session)
    assert files.hits([canary(40), canary(41)]) == []
    # The same job with its variables in the runtime_env: Ray writes them to its logs,
    # which is what the hook avoids (and what this test would notice).
    plain_token, plain_url = canary(42), f"https://user:{canary(43)}@pkgs.example.com/simple"
    job = run_job(cluster, "plain", plain_token, plain_url)
    assert job["seen"]["HOOK_TOKEN"] == plain_token
    files = Outputs()
    files.add_tree("ray session", session)
    assert {c for _, c in files.hits([canary(42), canary(43)])} == {canary(42), canary(43)}


@pytest.mark.parametrize(
    "argv",
    [
        # argparse's usage errors, which echo the argument.
        ["diff", "a.json", "b.json", "--fail-on", f"https://user:{canary(44)}@h/x"],
        ["compare", "--timeout", f"https://user:{canary(44)}@h/x"],
        # A CliError naming a file.
        ["diff", f"/nonexistent/https://user:{canary(44)}@h/x.json", "b.json"],
    ],
)
def test_cli_errors_that_echo_an_argument_are_masked(argv: List[str], capsys) -> None:
    try:
        status = genevars_main(argv)
    except SystemExit as exc:
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert canary(44) not in err and "https://***@h/x" in err, err
