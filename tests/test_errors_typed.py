"""Errors cross into Python by their type: each core error variant raises its exception
class (not one chosen by matching message text), and every message is masked."""

from __future__ import annotations

import json

import pytest

import genevars
from genevars import _core
from test_compare_support import LOCAL


def raised(call) -> BaseException:
    with pytest.raises(genevars.GenevarsError) as info:
        call()
    return info.value


def test_a_bad_requirement_raises_by_whose_it_is():
    text = json.dumps(LOCAL)
    root = raised(lambda: _core.requirement_closure(text, ["numpy=>1"]))
    assert type(root) is genevars.GenevarsError
    assert 'root "numpy=>1" is not a PEP 508 requirement' in str(root)
    pin = raised(lambda: _core.manifest_findings(text, ["numpy=>1"], _core.Rules.bundled()))
    assert type(pin) is genevars.ManifestError
    assert 'manifest pin "numpy=>1"' in str(pin)


def test_core_errors_raise_their_class():
    assert type(raised(lambda: _core.Rules.parse("[[rule]]\nid = 3", "r.toml"))) is genevars.RuleError
    assert type(raised(lambda: _core.compare('{"schema": 1}', json.dumps(LOCAL)))) is genevars.SnapshotError
    assert type(raised(lambda: _core.compare_many([json.dumps(LOCAL)], None))) is genevars.ComparisonError


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("snapshot", genevars.SnapshotError),
        ("rules", genevars.RuleError),
        ("manifest", genevars.ManifestError),
        ("requirements", genevars.ManifestError),
        ("runtime_env", genevars.GenevarsError),
    ],
)
def test_an_unreadable_input_raises_by_its_kind_and_masked(tmp_path, kind, cls):
    secret = "s3cr3t-t0ken-value"
    missing = f"{tmp_path}/https://deploy:{secret}@git.example.com/missing.json"
    err = raised(lambda: _core.read_input(missing, kind))
    assert type(err) is cls
    assert "no such file" in str(err)
    assert secret not in str(err)
