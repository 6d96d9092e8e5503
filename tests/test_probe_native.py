"""The probe's secret checks through genevars' native module (``_probe.use_native``, what
``genevars snapshot`` does on the driver) give exactly what the probe's own regexes give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genevars import _core, _probe

CASES = json.loads((Path(__file__).resolve().parents[1] / "src" / "knowledge" / "secret_cases.json").read_text())


@pytest.fixture
def native() -> object:
    before = _probe._NATIVE
    yield
    _probe._NATIVE = before


def environ() -> dict[str, str]:
    names = CASES["secret_keys"] + CASES["plain_keys"] + ["PATH", "bad\udcffname", "HOME"]
    values = [v for v, _ in CASES["masked"]] + CASES["secret_values"] + CASES["plain_values"] + ["x\udcfey"]
    return {f"{name}_{i}" if i else name: values[(i + j) % len(values)]
            for j, name in enumerate(names) for i in range(3)}


def test_native_checks_capture_the_same_environment(native: None) -> None:
    env = environ()
    rules = _core.secret_rules()
    by_python = _probe.capture_env(env, rules, b"k" * 32, False)
    _probe.use_native(_core, rules)
    assert _probe._NATIVE is not None
    by_native = _probe.capture_env(env, rules, b"k" * 32, False)
    assert by_native == by_python
    withheld = [v for v in by_python.values() if isinstance(v, dict)]
    assert {v["withheld"] for v in withheld} == {"secret", "url-credentials"}
    # The sys.path and cwd masking goes the same way.
    for value, masked in CASES["masked"]:
        assert _probe._masked(value, rules) == (masked or value)


def test_native_checks_apply_only_to_the_rules_they_implement(native: None) -> None:
    rules = _core.secret_rules()
    _probe.use_native(_core, rules)
    other = dict(rules, key_patterns=["*PLAIN*"])
    # Other rules (a driver's own table shipped to the probe) use the probe's regexes.
    assert _probe.is_secret_key("MY_PLAIN_VALUE", other)
    assert not _probe.is_secret_key("MY_PLAIN_VALUE", rules)
    _probe._NATIVE = None
    _probe.use_native(_core, other)
    assert _probe._NATIVE is None
