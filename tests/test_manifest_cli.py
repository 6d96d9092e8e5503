"""`genevars manifest show|validate FILE`."""

from __future__ import annotations

import json
import subprocess
import sys

from genevars import Manifest, ManifestBuilder

CANARY = "canary-cli-55d1"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "genevars", "manifest", *args], capture_output=True, text=True, timeout=120
    )


def saved(tmp_path):
    m = (
        ManifestBuilder.create("fix")
        .pip(["numpy==1.26.4"])
        .add_extra_index_url(f"https://u:{CANARY}@pypi.example.com/simple")
        .env({"MY_API_KEY": CANARY, "MODE": "x"})
        .build()
    )
    path = tmp_path / "fix.json"
    m.save(path, reveal_values=True)
    return m, path


def test_show_masks_secrets(tmp_path):
    m, path = saved(tmp_path)
    for flags in ([], ["--json"], ["--python"], ["--requirements"]):
        out = run("show", str(path), *flags)
        assert out.returncode == 0, out.stderr
        assert CANARY not in out.stdout + out.stderr, flags
    text = run("show", str(path)).stdout
    assert "Manifest 'fix'" in text and m.checksum in text and "MY_API_KEY=<withheld>" in text
    assert json.loads(run("show", str(path), "--json").stdout)["checksum"] == m.checksum
    revealed = run("show", str(path), "--json", "--reveal-values").stdout
    assert CANARY in revealed and Manifest.from_json(revealed) == m


def test_validate(tmp_path):
    m, path = saved(tmp_path)
    out = run("validate", str(path))
    assert out.returncode == 0 and out.stdout.strip() == f"ok: manifest 'fix' checksum {m.checksum}"
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "pip": ["numpy==1", "numpy==2"]}')
    out = run("validate", str(bad))
    assert out.returncode == 2
    assert out.stderr.strip() == (
        f"genevars: manifest file '{bad}': package 'numpy' is pinned twice: 'numpy==1' (pip entry 1) "
        "and 'numpy==2' (pip entry 2); keep one pin"
    )
    out = run("show", str(tmp_path / "missing.json"))
    assert out.returncode == 2 and "missing.json: no such file" in out.stderr and "Traceback" not in out.stderr
