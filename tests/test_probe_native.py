"""The probe's secret checks through genevars' native module (``_probe.native_rules``, what
``genevars snapshot`` uses on the driver) give exactly what the probe's own regexes give,
and nothing of the native module travels with the probe's code."""

from __future__ import annotations

import json
from pathlib import Path

from genevars import _core, _probe

CASES = json.loads((Path(__file__).resolve().parents[1] / "src" / "knowledge" / "secret_cases.json").read_text())


def environ() -> dict[str, str]:
    names = CASES["secret_keys"] + CASES["plain_keys"] + ["PATH", "bad\udcffname", "HOME"]
    values = [v for v, _ in CASES["masked"]] + CASES["secret_values"] + CASES["plain_values"] + ["x\udcfey"]
    return {f"{name}_{i}" if i else name: values[(i + j) % len(values)]
            for j, name in enumerate(names) for i in range(3)}


def test_native_checks_capture_the_same_environment() -> None:
    env = environ()
    plain, native = _core.secret_rules(), _probe.native_rules(_core)
    assert native == plain and native.native is not None and getattr(plain, "native", None) is None
    by_python = _probe.capture_env(env, plain, b"k" * 32, False)
    by_native = _probe.capture_env(env, native, b"k" * 32, False)
    assert by_native == by_python
    withheld = [v for v in by_python.values() if isinstance(v, dict)]
    assert {v["withheld"] for v in withheld} == {"secret", "url-credentials"}
    # The sys.path and cwd masking goes the same way.
    for value, masked in CASES["masked"]:
        assert _probe._masked(value, native) == _probe._masked(value, plain) == (masked or value)


def test_the_probe_keeps_nothing_native_in_its_globals() -> None:
    # Ray ships the probe's functions by value with the globals they name: once the driver
    # used the native checks, no global of the probe may hold a piece of the native module
    # (a worker without genevars could not load it).
    _probe.capture_env({"A": "b", "TOKEN": "x"}, _probe.native_rules(_core), None, False)

    def native(value: object) -> bool:
        items = value if isinstance(value, (tuple, list)) else (value,)
        return any(getattr(item, "__module__", None) == "genevars._core" for item in items)

    assert [name for name, value in vars(_probe).items() if native(value)] == []
