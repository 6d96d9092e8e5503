"""ManifestBuilder / Manifest: validation errors, round-trips, checksum, masking, Ray's RuntimeEnv."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import warnings

import pytest

from genevars import GenevaManifestBuilder, Manifest, ManifestBuilder, ManifestError

CANARY = "canary-7f3a9c-do-not-print"
URL_CANARY = "tok-9e81b2"


def build(builder: ManifestBuilder) -> Manifest:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return builder.build()


def error_of(builder: ManifestBuilder) -> str:
    with pytest.raises(ManifestError) as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            builder.build()
    return str(info.value)


# --- the builder surface -------------------------------------------------------------


def test_reference_docs_code_runs_unchanged(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA-example")
    manifest = GenevaManifestBuilder.create("fix").pip(["numpy==1.26.4"]).build()
    assert manifest.to_runtime_env() == {"pip": ["numpy==1.26.4"]}
    manifest = (
        GenevaManifestBuilder.create("my-manifest")
        .env({"AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"]})
        .build()
    )
    assert manifest.to_runtime_env() == {"env_vars": {"AWS_ACCESS_KEY_ID": "AKIA-example"}}
    assert GenevaManifestBuilder is ManifestBuilder


def test_factories(tmp_path, monkeypatch):
    assert build(Manifest.create_pip("p").pip(["lancedb==0.21.0"])).pip == ("lancedb==0.21.0",)
    conda = build(Manifest.create_conda("c").conda({"dependencies": ["python=3.10", "numpy=1.26"]}))
    assert conda.to_runtime_env() == {"conda": {"dependencies": ["python=3.10", "numpy=1.26"]}}
    assert conda.conda == {"dependencies": ["python=3.10", "numpy=1.26"]}
    site = Manifest.create_site("s").build()
    assert site.to_dict()["upload_site_packages"] is True
    # Not connected and no comparison: everything but Ray's own set is shipped, and the
    # current directory goes as working_dir (tests/test_site.py covers the rest).
    monkeypatch.chdir(tmp_path)
    plan = site.site_plan()
    shipped = {os.path.basename(p) for p in plan.py_modules}
    assert "_pytest" in shipped and "ray" not in shipped, shipped
    # The test tools include mypy, whose compiled runtime is a top-level .so file that
    # py_modules cannot carry: refused (to_runtime_env() then says so, naming the pin).
    unshippable = [f for f in plan.refused if f["code"] == "site_unshippable_file"]
    assert [f["subject"] for f in plan.refused] == [f["subject"] for f in unshippable], plan.refused
    if unshippable:
        with pytest.raises(ManifestError, match=r"pin it with \.pip"):
            site.to_runtime_env()
    from genevars import _site

    assert _site.workspace_root() == str(tmp_path.resolve())


def test_every_method_chains(tmp_path):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    b = (
        ManifestBuilder.create("all")
        .name("renamed")
        .version("3")
        .pip(["numpy==1.26.4"])
        .add_pip("attrs==23.2.0")
        .add_extra_index_url("https://download.example.com/whl/cpu")
        .pip_check(True)
        .pip_version("23.3.1")
        .env({"MODE": "batch"})
        .env_vars({"LEVEL": "2"})
        .add_env_var("EXTRA", "1")
        .env_from_local(["HOME"])
        .py_modules([str(pkg)])
        .add_py_module(str(pkg))
        .working_dir(str(tmp_path))
        .excludes(["*.log"])
        .head_image("rayproject/ray:2.40.0-py311")
        .worker_image("registry.example.com:5000/team/worker:1.0")
        .upload_site_packages(False)
        .delete_local_zips(False)
        .local_zip_output_dir(str(tmp_path))
        .setup_timeout_seconds(120)
        .eager_install(False)
        .allow_unpinned()
    )
    m = build(b)
    assert m.name == "renamed" and m.version == "3"
    env = m.to_runtime_env()
    assert env["pip"] == {
        "packages": [
            "--extra-index-url https://download.example.com/whl/cpu",
            "numpy==1.26.4",
            "attrs==23.2.0",
        ],
        "pip_check": True,
        "pip_version": "==23.3.1",
    }
    assert env["env_vars"] == {"MODE": "batch", "LEVEL": "2", "EXTRA": "1", "HOME": os.environ["HOME"]}
    assert env["py_modules"] == [str(pkg), str(pkg)]
    assert env["working_dir"] == str(tmp_path)
    assert env["excludes"] == ["*.log"]
    assert env["config"] == {"setup_timeout_seconds": 120, "eager_install": False}
    assert "head_image" not in env and m.worker_image == "registry.example.com:5000/team/worker:1.0"


def test_default_images_match_local_ray_and_python():
    import sys

    import ray

    m = build(ManifestBuilder.create("i").default_head_image().default_worker_image())
    expected = f"rayproject/ray:{ray.__version__}-py{sys.version_info[0]}{sys.version_info[1]}"
    assert m.head_image.startswith(expected)
    assert m.worker_image.startswith(expected)


def test_module_objects_become_their_directory(tmp_path, monkeypatch):
    pkg = tmp_path / "shipme"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import shipme

    m = build(ManifestBuilder.create("m").py_modules([shipme]))
    assert m.py_modules == (str(pkg),)
    with pytest.raises(ManifestError, match="single-file module"):
        ManifestBuilder.create("m").add_py_module(hashlib)


def test_manifest_is_immutable():
    m = build(ManifestBuilder.create("m").pip(["numpy==1.26.4"]))
    with pytest.raises(AttributeError, match="immutable"):
        m.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError, match="ManifestBuilder"):
        Manifest()
    # The builder can change afterwards without touching what it built.
    b = ManifestBuilder.create("m").pip(["numpy==1.26.4"])
    first = build(b)
    b.add_pip("attrs==23.2.0")
    assert first.pip == ("numpy==1.26.4",)


# --- validation errors, each with its message ---------------------------------------------


def test_bad_requirement_is_named_with_position():
    msg = error_of(ManifestBuilder.create("m").pip(["numpy==1.26.4", "pandas=2.1.0"]))
    assert msg.startswith("pip entry 2: 'pandas=2.1.0' is not a valid requirement:")
    assert "(column 7)" in msg and "PEP 508" in msg


@pytest.mark.parametrize(
    "setup, expected",
    [
        (lambda b, r, e: b.pip(["a==1"]).requirements_path(r), ".pip() and .requirements_path() cannot be combined"),
        (lambda b, r, e: b.conda({"dependencies": ["x"]}).conda_environment_path(e), ".conda() and .conda_environment_path() cannot be combined"),
        (lambda b, r, e: b.pip(["a==1"]).conda({"dependencies": ["x"]}), ".pip() and .conda() cannot be combined"),
        (lambda b, r, e: b.requirements_path(r).conda_environment_path(e), ".requirements_path() and .conda_environment_path() cannot be combined"),
        (lambda b, r, e: b.pip_check(True), "need pip packages"),
    ],
)
def test_exclusive_combinations(tmp_path, setup, expected):
    req = tmp_path / "requirements.txt"
    req.write_text("numpy==1.26.4\n")
    env = tmp_path / "environment.yml"
    env.write_text("dependencies:\n  - numpy\n")
    msg = error_of(setup(ManifestBuilder.create("m"), str(req), str(env)))
    assert expected in msg, msg


def test_same_package_pinned_twice():
    msg = error_of(ManifestBuilder.create("m").pip(["numpy==1.26.4", "NumPy==2.2.6"]))
    assert msg == (
        "package 'numpy' is pinned twice: 'numpy==1.26.4' (pip entry 1) and 'NumPy==2.2.6' "
        "(pip entry 2); keep one pin"
    )
    msg = error_of(ManifestBuilder.create("m").pip(["numpy<2", "numpy==2.2.6"]))
    assert "does not satisfy 'numpy<2'" in msg


def test_requirements_file_read_as_pip_reads_it(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_bytes(
        "\ufeff# pinned deps\n"
        "numpy==1.26.4 \\\n"
        "    --hash=sha256:0000\n"
        "--extra-index-url https://download.example.com/simple\n"
        "-i https://pypi.example.com/simple\n"
        "attrs==23.2.0  # for Enum\n"
        "\n".encode("utf-8")
    )
    m = build(ManifestBuilder.create("m").requirements_path(req))
    assert m.pip == (
        "numpy==1.26.4     --hash=sha256:0000",
        "--extra-index-url https://download.example.com/simple",
        "-i https://pypi.example.com/simple",
        "attrs==23.2.0",
    )
    # UTF-16 with its byte-order mark reads too.
    req.write_bytes("\ufeffnumpy==1.26.4\n".encode("utf-16-le"))
    assert build(ManifestBuilder.create("m").requirements_path(req)).pip == ("numpy==1.26.4",)


@pytest.mark.parametrize(
    "content, expected",
    [
        ("numpy==1.26.4\n-r other.txt\n", "line 2: '-r other.txt' includes another file (-r)"),
        ("numpy==1.26.4\n\n-c constraints.txt\n", "line 3: '-c constraints.txt' includes another file (-c)"),
        ("./dist/mypkg-1.0-py3-none-any.whl\n", "line 1: './dist/mypkg-1.0-py3-none-any.whl' is a local path"),
        ("-e .\n", "line 1: '-e .' is an editable install of a local path"),
        ("mypkg @ file:///home/me/mypkg\n", "line 1: 'mypkg @ file:///home/me/mypkg' points to a local file"),
        ("# only comments\n", "lists no requirements"),
    ],
)
def test_requirements_file_errors_name_file_and_line(tmp_path, content, expected):
    req = tmp_path / "requirements.txt"
    req.write_text(content)
    msg = error_of(ManifestBuilder.create("m").requirements_path(req))
    assert f"requirements file '{req}'" in msg and expected in msg, msg


def test_requirements_file_missing_or_undecodable(tmp_path):
    missing = tmp_path / "nope.txt"
    assert error_of(ManifestBuilder.create("m").requirements_path(missing)) == (
        f"requirements file '{missing}' does not exist; check the path "
        "(relative paths are resolved from the current directory)"
    )
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"numpy==1.26.4\nattrs\xff==1\n")
    assert error_of(ManifestBuilder.create("m").requirements_path(bad)) == (
        f"requirements file '{bad}' is not valid text at byte 19 (line 2); save it as UTF-8"
    )


def test_conda_environment_file(tmp_path):
    env = tmp_path / "environment.yml"
    env.write_text(
        "name: work\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n"
        "  - ffmpeg<8\n  - pip\n  - pip:\n      - requests==2.31.0\n"
    )
    m = build(ManifestBuilder.create("c").conda_environment_path(env))
    conda = m.to_runtime_env()["conda"]
    assert conda["dependencies"][-1] == {"pip": ["requests==2.31.0"]}
    assert m.to_requirements_txt() == "requests==2.31.0\n"
    env.write_text("name: work\ndependencies: [numpy\n")
    assert "is not valid YAML" in error_of(ManifestBuilder.create("c").conda_environment_path(env))
    env.write_text("name: work\nchannels: [conda-forge]\n")
    assert error_of(ManifestBuilder.create("c").conda_environment_path(env)) == (
        f"conda environment file '{env}': has no dependencies; list the packages under 'dependencies:'"
    )
    assert "does not exist" in error_of(ManifestBuilder.create("c").conda_environment_path(tmp_path / "x.yml"))
    env.write_text("dependencies:\n  - pip:\n      - -r more.txt\n")
    assert "includes another file" in error_of(ManifestBuilder.create("c").conda_environment_path(env))


def test_env_var_names_and_values():
    assert error_of(ManifestBuilder.create("m").env({"MY-VAR": "1"})) == (
        "environment variable name 'MY-VAR' is not valid: use letters, digits and '_' and do not "
        "start with a digit"
    )
    assert "'2FAST'" in error_of(ManifestBuilder.create("m").env_from_local(["2FAST"]))
    assert error_of(ManifestBuilder.create("m").add_env_var("N", 3)) == (
        "environment variable 'N': the value must be a string, got a number; pass str(value)"
    )
    assert "both a value" in error_of(ManifestBuilder.create("m").env({"A": "1"}).env_from_local(["A"]))


def test_env_from_local_is_read_late_and_never_stored(monkeypatch):
    monkeypatch.setenv("GENEVARS_T_SECRET_TOKEN", CANARY)
    m = build(ManifestBuilder.create("m").env_from_local(["GENEVARS_T_SECRET_TOKEN"]))
    assert CANARY not in m.to_json(reveal_values=True)
    assert m.to_runtime_env() == {"env_vars": {"GENEVARS_T_SECRET_TOKEN": CANARY}}
    monkeypatch.setenv("GENEVARS_T_SECRET_TOKEN", "rotated")
    assert m.to_runtime_env()["env_vars"]["GENEVARS_T_SECRET_TOKEN"] == "rotated"
    monkeypatch.delenv("GENEVARS_T_SECRET_TOKEN")
    with pytest.raises(ManifestError, match="'GENEVARS_T_SECRET_TOKEN' is not set in this process"):
        m.to_runtime_env()


def test_unpinned_requirements_warn_unless_allowed():
    with pytest.warns(UserWarning, match=r"unpinned requirements pandas>=2, requests;"):
        ManifestBuilder.create("m").pip(["numpy==1.26.4", "pandas>=2", "requests"]).build()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ManifestBuilder.create("m").pip(["pandas>=2"]).allow_unpinned().build()
    with pytest.warns(UserWarning, match=r"unpinned requirements requests;"):
        ManifestBuilder.create("m").conda({"dependencies": ["pip", {"pip": ["requests"]}]}).build()


@pytest.mark.parametrize("image", ["https://ghcr.io/x/y", "Ubuntu", "img:", "a b", "img@sha256:12"])
def test_image_references(image):
    msg = error_of(ManifestBuilder.create("m").worker_image(image))
    assert msg.startswith(f"worker_image '{image}' is not an image reference")


def test_upload_paths_and_options(tmp_path):
    assert "does not exist" in error_of(ManifestBuilder.create("m").working_dir(tmp_path / "nope"))
    f = tmp_path / "mod.py"
    f.write_text("")
    assert "is a file" in error_of(ManifestBuilder.create("m").py_modules([str(f)]))
    assert "excludes apply only" in error_of(ManifestBuilder.create("m").excludes(["*.log"]))
    assert "setup_timeout_seconds is 0" in error_of(ManifestBuilder.create("m").setup_timeout_seconds(0))
    assert "pip_version 'latest' is not a version specifier" in error_of(
        ManifestBuilder.create("m").pip(["a==1"]).pip_version("latest")
    )
    with pytest.raises(ManifestError, match=r"\.worker_image\(\) takes a string, got int"):
        ManifestBuilder.create("m").worker_image(3)  # type: ignore[arg-type]
    with pytest.raises(ManifestError, match=r"\.pip\(\) takes a list, got str"):
        ManifestBuilder.create("m").pip("numpy==1.26.4")  # type: ignore[arg-type]


# --- round-trips and checksum ------------------------------------------------------------


def test_json_save_load_round_trip(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("numpy==1.26.4\nattrs==23.2.0\n")
    m = build(
        ManifestBuilder.create("m").requirements_path(req).env({"MODE": "x"}).env_from_local(["HOME"])
    )
    assert Manifest.from_json(m.to_json()) == m
    path = tmp_path / "m.json"
    m.save(path)
    req.unlink()  # a saved manifest carries what it read
    loaded = Manifest.load(path)
    assert loaded == m and loaded.checksum == m.checksum
    assert loaded.to_runtime_env()["pip"] == ["numpy==1.26.4", "attrs==23.2.0"]
    with pytest.raises(ManifestError, match="missing.json: no such file; give the path of a manifest"):
        Manifest.load(tmp_path / "missing.json")
    (tmp_path / "bom.json").write_text("\ufeff" + m.to_json(), encoding="utf-8")
    assert Manifest.load(tmp_path / "bom.json") == m
    (tmp_path / "bad.json").write_text('{"name": "x", "pip": ["numpy=1"]}')
    with pytest.raises(ManifestError, match=r"bad.json': pip entry 1: 'numpy=1'"):
        Manifest.load(tmp_path / "bad.json")


def test_golden_checksum():
    # The canonical form is a contract: stored checksums must not move. Change on purpose only.
    m = build(
        ManifestBuilder.create("golden")
        .pip(["numpy==1.26.4", "attrs==23.2.0"])
        .env({"MODE": "fast"})
        .env_from_local(["AWS_ACCESS_KEY_ID"])
        .setup_timeout_seconds(600)
    )
    canonical = (
        '{"config":{"setup_timeout_seconds":600},"env_from_local":["AWS_ACCESS_KEY_ID"],'
        '"env_vars":{"MODE":"fast"},"pip":["numpy==1.26.4","attrs==23.2.0"],'
        '"schema":"genevars.manifest/1"}'
    )
    assert m.canonical_json() == canonical
    assert m.checksum == hashlib.sha256(canonical.encode()).hexdigest()
    assert m.checksum == "75c305d11325aee80b0a0fef9d64f79b0f3a713f9361e999fd26dd8b4bec9e05"


def test_checksum_ignores_name_version_and_transient_fields(tmp_path):
    base = build(ManifestBuilder.create("a").pip(["numpy==1.26.4"]))
    other = build(
        ManifestBuilder.create("b").version("9").pip(["numpy==1.26.4"]).delete_local_zips(False)
        .local_zip_output_dir(str(tmp_path))
    )
    assert base.checksum == other.checksum
    assert base.checksum != build(ManifestBuilder.create("a").pip(["numpy==1.26.5"])).checksum
    assert base.checksum != build(ManifestBuilder.create("a").pip(["numpy==1.26.4"]).env({"A": "1"})).checksum


def test_to_requirements_txt():
    m = build(ManifestBuilder.create("m").pip(["numpy==1.26.4", "attrs==23.2.0"]))
    assert m.to_requirements_txt() == "numpy==1.26.4\nattrs==23.2.0\n"


def test_to_python_recreates_the_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_API_KEY", CANARY)
    env = tmp_path / "environment.yml"
    env.write_text("dependencies:\n  - numpy=1.26\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    variants = [
        ManifestBuilder.create("p").pip(["numpy==1.26.4", "attrs==23.2.0; python_version < '3.13'"])
        .add_extra_index_url("https://i.example/simple").pip_check(False).pip_version("23.3.1")
        .env({"MODE": 'quote " and \\ and \n', "MY_API_KEY": CANARY}).env_from_local(["HOME"])
        .py_modules([str(pkg)]).working_dir(str(tmp_path)).excludes(["*.log"])
        .head_image("rayproject/ray:2.40.0-py311").worker_image("ghcr.io/x/w:1")
        .upload_site_packages(True).delete_local_zips(False).local_zip_output_dir("/tmp/z")
        .setup_timeout_seconds(30).eager_install(True).version("1"),
        ManifestBuilder.create("c").conda({"channels": ["conda-forge"], "dependencies": ["python=3.10", {"pip": ["x==1"]}]}),
        ManifestBuilder.create("e").conda_environment_path(env),
        ManifestBuilder.create("u").pip(["requests"]).allow_unpinned(),
    ]
    for builder in variants:
        m = build(builder)
        code = m.to_python()
        assert CANARY not in code
        namespace: dict = {}
        exec(compile(code, "<to_python>", "exec"), namespace)
        rebuilt = namespace["manifest"]
        assert rebuilt.checksum == m.checksum, code
        assert rebuilt == m, code


# --- secrets ----------------------------------------------------------------------------


def test_canary_secret_never_shown():
    url = f"https://user:{URL_CANARY}@pypi.example.com/simple"
    b = (
        ManifestBuilder.create("m")
        .pip([f"private-pkg @ https://user:{URL_CANARY}@files.example.com/private_pkg-1.0-py3-none-any.whl"])
        .add_extra_index_url(url)
        .env({"MY_API_KEY": CANARY, "DB_URL": f"postgres://app:{URL_CANARY}@db:5432/x"})
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = b.build()
    shown = [repr(m), str(m), m.to_json(), m.to_python(), m.to_requirements_txt(), m.canonical_json(),
             repr(m.pip), repr(m.env_vars), repr(m.to_dict())]
    shown += [str(w.message) for w in caught]
    for text in shown:
        assert CANARY not in text and URL_CANARY not in text, text
    assert "***@pypi.example.com" in m.to_json()
    revealed = m.to_json(reveal_values=True)
    assert CANARY in revealed and URL_CANARY in revealed
    assert m.to_runtime_env()["env_vars"]["MY_API_KEY"] == CANARY
    # A masked file loads but refuses to make a runtime_env with masked values.
    with pytest.raises(ManifestError) as info:
        Manifest.from_json(m.to_json()).to_runtime_env()
    assert "reveal_values=True" in str(info.value)
    assert Manifest.from_json(revealed).to_runtime_env() == m.to_runtime_env()


def test_canary_secret_absent_from_errors():
    for builder in (
        ManifestBuilder.create("m").pip([f"pkg @@ https://u:{URL_CANARY}@h/x.whl"]),
        ManifestBuilder.create("m").pip([f"-r https://u:{URL_CANARY}@h/r.txt"]),
        ManifestBuilder.create("m").add_extra_index_url(f"https://u:{URL_CANARY}@h/simple"),
        ManifestBuilder.create("m").env({"BAD-NAME": CANARY}),
        ManifestBuilder.create("m").pip([f"a==1 --hash={URL_CANARY}", "a==2"]),
    ):
        msg = error_of(builder)
        assert CANARY not in msg and URL_CANARY not in msg, msg


# --- Ray accepts what the builder makes ----------------------------------------------------


def test_ray_runtime_env_accepts_every_combination(tmp_path, monkeypatch):
    from ray.runtime_env import RuntimeEnv

    monkeypatch.setenv("LOCAL_ONLY_VAR", "v")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    req = tmp_path / "requirements.txt"
    req.write_text("numpy==1.26.4\n--extra-index-url https://i.example/simple\n")
    env_file = tmp_path / "environment.yml"
    env_file.write_text("dependencies:\n  - numpy=1.26\n  - pip\n  - pip: [requests==2.31.0]\n")

    packages = [
        None,
        lambda b: b.pip(["numpy==1.26.4"]),
        lambda b: b.pip(["numpy==1.26.4"]).pip_check(True),
        lambda b: b.pip(["numpy==1.26.4"]).pip_version("23.3.1").add_extra_index_url("https://i.example/simple"),
        lambda b: b.requirements_path(req),
        lambda b: b.conda({"dependencies": ["numpy=1.26"]}),
        lambda b: b.conda_environment_path(env_file),
    ]
    variables = [None, lambda b: b.env({"MODE": "x"}), lambda b: b.env({"MODE": "x"}).env_from_local(["LOCAL_ONLY_VAR"])]
    files = [
        None,
        lambda b: b.py_modules([str(pkg)]),
        lambda b: b.working_dir(str(tmp_path)).excludes(["*.log"]),
        lambda b: b.py_modules(["s3://bucket/pkg.zip"]).working_dir("https://example.com/archive/abc.zip"),
    ]
    config = [None, lambda b: b.setup_timeout_seconds(-1).eager_install(False), lambda b: b.setup_timeout_seconds(60)]
    extras = [None, lambda b: b.head_image("rayproject/ray:2.40.0-py311").delete_local_zips(False)]
    count = 0
    for parts in itertools.product(packages, variables, files, config, extras):
        b = ManifestBuilder.create("combo").allow_unpinned()
        for part in parts:
            if part is not None:
                b = part(b)
        runtime_env = build(b).to_runtime_env()
        accepted = RuntimeEnv(**runtime_env)
        # Ray kept every field we gave it.
        for key in runtime_env:
            assert key in accepted, (key, runtime_env)
        count += 1
    assert count == 7 * 3 * 4 * 3 * 2


def test_uv_image_uri_and_py_executable_fields():
    uv = ManifestBuilder.create("u").pip(["six==1.16.0"]).uv().pip_check().build()
    assert uv.to_runtime_env() == {"uv": {"packages": ["six==1.16.0"], "uv_check": True}}
    assert ".uv()" in uv.to_python()
    assert Manifest.from_json(uv.to_json()) == uv
    assert uv.checksum != ManifestBuilder.create("u").pip(["six==1.16.0"]).pip_check().build().checksum
    image = ManifestBuilder.create("i").image_uri("rayproject/ray:2.40.0-py311").env({"MODE": "x"}).build()
    assert image.to_runtime_env() == {"image_uri": "rayproject/ray:2.40.0-py311", "env_vars": {"MODE": "x"}}
    with pytest.raises(ManifestError, match=r"\.image_uri\(\) and \.pip\(\)"):
        ManifestBuilder.create("i").image_uri("rayproject/ray:2.40.0").pip(["six==1.16.0"]).build()
    exe = ManifestBuilder.create("p").py_executable("/opt/venv/bin/python").build()
    assert exe.to_runtime_env() == {"py_executable": "/opt/venv/bin/python"}
    assert "py_executable: /opt/venv/bin/python" in str(exe)
