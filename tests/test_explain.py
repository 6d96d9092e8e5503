"""Explaining an error: result.explain(exc or text), the compare_env --explain flag and
`genevars explain TRACEBACK_FILE SNAPSHOT ...`, on snapshot dicts (no cluster).

The real Ray case (a numpy-2 pickle reaching a numpy-1 driver) is in test_explain_ray.py.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import genevars
from genevars import Explanation, compare_snapshots
from test_compare_support import SITE, package, snapshot

BASE = {"numpy": "1.26.4", "attrs": "23.2.0", "protobuf": "4.25.3", "pydantic": "2.7.0", "requests": "2.31.0"}
LOCAL = snapshot(dict(BASE, pyyaml="6.0.1"), {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"})
REMOTE = snapshot(dict(BASE, numpy="2.2.6", attrs="21.4.0", protobuf="3.20.3", pydantic="1.10.13"))

ATTRS_TB = f"""Traceback (most recent call last):
  File "/home/me/job.py", line 3, in <module>
    import mylib
  File "{SITE}/attr/_make.py", line 100, in __init__
    return Enum.__new__(cls)
TypeError: Enum.__new__() missing 1 required positional argument: 'value'
"""
PROTOBUF_TB = f"""Traceback (most recent call last):
  File "{SITE}/google/protobuf/descriptor.py", line 561, in __new__
    _message.Message._CheckCalledFromGeneratedCodeOnly()
TypeError: Descriptors cannot not be created directly.
If this call came from a _pb2.py file, your generated code is out of date and must be regenerated with protoc >= 3.19.0.
"""
PYDANTIC_TB = f"""Traceback (most recent call last):
  File "{SITE}/pydantic/main.py", line 767, in __getattr__
    raise AttributeError(f'{{type(self).__name__!r}} object has no attribute {{item!r}}')
AttributeError: 'Config' object has no attribute '__pydantic_fields_set__'
"""


def first(why: Explanation) -> tuple[str, str]:
    assert why.causes, why.text
    return why.causes[0].finding["subject"], why.causes[0].finding["code"]


@pytest.mark.parametrize(
    "traceback_text, subject",
    [(ATTRS_TB, "attrs"), (PROTOBUF_TB, "protobuf"), (PYDANTIC_TB, "pydantic")],
)
def test_each_known_traceback_ranks_its_package_first(traceback_text: str, subject: str):
    why = compare_snapshots(LOCAL, REMOTE).explain(traceback_text)
    assert isinstance(why, Explanation) and why.explained
    assert first(why)[0] == subject
    kinds = [r["kind"] for r in why.causes[0].reasons]
    assert kinds[0] == "symptom" and "frame" in kinds
    assert any("known symptom of " + subject in b for b in why.causes[0].because)
    assert any("traceback frame lies in " + subject in b for b in why.causes[0].because)


def test_a_frame_in_a_shadowed_copy_ranks_the_shadowed_finding_first():
    user_site = "/home/me/.local/lib/python3.11/site-packages"
    local = snapshot(BASE)
    local["packages"] = [p for p in local["packages"] if p["name"] != "requests"] + [
        package(
            "requests",
            "2.31.0",
            shadowed=[{"version": "2.20.0", "location": user_site, "metadata_path": f"{user_site}/requests-2.20.0.dist-info"}],
        )
    ]
    tb = f'  File "{user_site}/requests/adapters.py", line 10, in send\nAttributeError: x'
    why = compare_snapshots(local, REMOTE).explain(tb)
    assert first(why) == ("requests", "shadowed")
    assert "shadowed copy of requests" in why.causes[0].because[0]


def test_an_exception_object_is_read_with_its_traceback_and_chained_cause():
    try:
        try:
            # What a numpy-2 array pickle starts with: a global from numpy._core.
            pickle.loads(b"cnumpy._core.multiarray\n_reconstruct\n.")
        except ModuleNotFoundError as exc:
            raise RuntimeError("could not load the result") from exc
    except RuntimeError as exc:
        error = exc
    why = compare_snapshots(LOCAL, REMOTE).explain(error)
    assert why.error == "RuntimeError: could not load the result"
    assert first(why)[0] == "numpy"
    assert any(r["kind"] == "module_named" and r["module"].startswith("numpy") for r in why.causes[0].reasons)


def test_a_missing_module_points_to_the_package_installed_on_one_side():
    text = "ray.exceptions.RayTaskError(ModuleNotFoundError): ray::load() (pid=4242, ip=10.0.0.7)\nModuleNotFoundError: No module named 'yaml'"
    why = compare_snapshots(LOCAL, REMOTE).explain(text)
    assert first(why) == ("pyyaml", "only_local")
    assert why.direction == "driver_to_worker"
    assert "installed only locally" in why.causes[0].because[0]


def test_an_unrelated_error_is_not_explained_and_says_what_genevars_cannot_see():
    why = compare_snapshots(LOCAL, REMOTE).explain("ZeroDivisionError: division by zero")
    assert not why.explained and why.causes == []
    assert why.cannot_see
    assert "nothing in this comparison explains this error" in str(why)


def test_explain_refuses_what_is_neither_an_exception_nor_text():
    with pytest.raises(TypeError, match="exception or a traceback"):
        compare_snapshots(LOCAL, REMOTE).explain(42)  # type: ignore[arg-type]


def test_the_public_names_are_exported():
    assert genevars.Explanation is Explanation
    assert genevars.Cause.__name__ == "Cause"


def write_json(path: Path, value: object) -> str:
    path.write_text(json.dumps(value))
    return str(path)


def test_genevars_explain_offline_prints_the_explanation_then_the_report(tmp_path: Path):
    local = write_json(tmp_path / "local.json", LOCAL)
    remote = write_json(tmp_path / "remote.json", REMOTE)
    tb = tmp_path / "tb.txt"
    tb.write_text(PROTOBUF_TB)
    out = subprocess.run(
        [sys.executable, "-m", "genevars", "explain", str(tb), local, remote],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("genevars explain: TypeError: Descriptors cannot not be created directly.")
    # The explanation first, then the usual report.
    assert out.stdout.index("most likely caused by") < out.stdout.index("PROBLEMS FOUND")
    assert "most likely caused by:\n  1. [error] protobuf" in out.stdout
    as_json = subprocess.run(
        [sys.executable, "-m", "genevars", "explain", "-", local, remote, "--json"],
        input=ATTRS_TB, capture_output=True, text=True, timeout=120,
    )
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["causes"][0]["finding"]["subject"] == "attrs"


def test_genevars_explain_names_a_missing_file_in_one_line(tmp_path: Path):
    remote = write_json(tmp_path / "remote.json", REMOTE)
    out = subprocess.run(
        [sys.executable, "-m", "genevars", "explain", str(tmp_path / "nope.txt"), remote, remote],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "nope.txt: cannot read it" in out.stderr


def test_an_error_quoting_credentials_is_explained_without_them():
    secret = "hunter2-explain-canary"
    text = ATTRS_TB + f"while fetching https://deploy:{secret}@pypi.example.com/simple/attrs/\n"
    why = compare_snapshots(LOCAL, REMOTE).explain(text)
    assert first(why)[0] == "attrs"
    assert secret not in why.text and secret not in repr(why) and secret not in json.dumps(why.error)
