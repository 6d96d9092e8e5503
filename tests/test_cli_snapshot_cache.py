"""`genevars snapshot --python EXE` keeps EXE's description between runs
(`genevars._interpreter.DescriptionCache`): a second run asks nothing of EXE, and each
thing the description depends on, when it changes, makes the next run ask again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from genevars.__main__ import main

LOG_ENV = "GENEVARS_TEST_RUN_LOG"
# Runs of the venv's interpreter are counted by its sitecustomize, which site imports at
# every start (and which the cache watches like any file the description depends on).
SITECUSTOMIZE = f"""\
import os
if os.environ.get({LOG_ENV!r}):
    with open(os.environ[{LOG_ENV!r}], "a") as f:
        f.write("run\\n")
"""
OLD = time.time() - 3600  # older than the cache's two-second "racy" window


def backdate(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        os.utime(path, (OLD, OLD), follow_symlinks=False)


@pytest.fixture(scope="module")
def template_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("template") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    return venv


class Venv:
    """A venv of its own per test, with the cache, the run log and the current directory
    in tmp_path."""

    def __init__(self, template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = tmp_path / "venv"
        shutil.copytree(template, self.root, symlinks=True)
        self.exe = self.root / "bin" / "python"
        [self.site] = (self.root / "lib").glob("python3*/site-packages")
        self.tmp = tmp_path
        self.log = tmp_path / "runs.log"
        (self.site / "sitecustomize.py").write_text(SITECUSTOMIZE)
        (tmp_path / "dir-a").mkdir()
        (tmp_path / "dir-b").mkdir()
        # A .pth naming an existing directory and one that does not exist yet.
        (self.site / "extra.pth").write_text(f"# extra paths\n{tmp_path / 'dir-a'}\n{tmp_path / 'late'}\n")
        backdate(tmp_path)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        monkeypatch.setenv(LOG_ENV, str(self.log))
        monkeypatch.delenv("GENEVARS_NO_CACHE", raising=False)
        monkeypatch.chdir(tmp_path)
        self.outputs = 0

    def snapshot(self) -> str:
        self.outputs += 1
        out = self.tmp / f"snap-{self.outputs}.json"
        assert main(["snapshot", "--python", str(self.exe), "-o", str(out)]) == 0
        return out.read_text(encoding="utf-8")

    def runs(self) -> int:
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0


@pytest.fixture
def venv(template_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Venv:
    return Venv(template_venv, tmp_path, monkeypatch)


def sys_path(text: str) -> List[str]:
    return json.loads(text)["sys_path"]


def test_second_run_asks_nothing_and_writes_the_same_file(venv: Venv) -> None:
    first = venv.snapshot()
    assert venv.runs() == 1
    assert str(venv.tmp / "dir-a") in sys_path(first)
    second = venv.snapshot()
    assert venv.runs() == 1  # the interpreter was not started again
    assert second == first
    [saved] = (venv.tmp / "cache" / "genevars" / "interpreters").iterdir()
    assert json.loads(saved.read_text())["facts"]["sys_path"] == sys_path(first)


def add_pth(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> str:
    (venv.site / "more.pth").write_text(f"{venv.tmp / 'dir-b'}\n")
    return str(venv.tmp / "dir-b")


def edit_pth(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> str:
    # Same directory listing (its mtime unchanged): only the file itself says it changed.
    (venv.site / "extra.pth").write_text(f"{venv.tmp / 'dir-b'}\n")
    return str(venv.tmp / "dir-b")


def create_named_directory(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> str:
    (venv.tmp / "late").mkdir()
    return str(venv.tmp / "late")


def set_pythonpath(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PYTHONPATH", str(venv.tmp / "dir-b"))
    return str(venv.tmp / "dir-b")


def edit_sitecustomize(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> str:
    added = venv.tmp / "dir-b"
    text = SITECUSTOMIZE + f"import sys\nsys.path.append({str(added)!r})\n"
    (venv.site / "sitecustomize.py").write_text(text)
    return str(added)


def edit_pyvenv_cfg(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> str:
    cfg = venv.root / "pyvenv.cfg"
    cfg.write_text(cfg.read_text().replace("include-system-site-packages = false", "include-system-site-packages = true"))
    # The base interpreter's site-packages joins the path.
    base = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    return str(base) if base.is_dir() else None


def replace_interpreter(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> None:
    target = os.readlink(venv.exe)
    os.unlink(venv.exe)
    os.symlink(target, venv.exe)


def change_directory(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(venv.tmp / "dir-a")


def turn_cache_off(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENEVARS_NO_CACHE", "1")


CHANGES: Dict[str, Callable[[Venv, pytest.MonkeyPatch], "str | None"]] = {
    "a .pth file added": add_pth,
    "a .pth file edited": edit_pth,
    "a directory a .pth names created": create_named_directory,
    "PYTHONPATH set": set_pythonpath,
    "sitecustomize edited": edit_sitecustomize,
    "pyvenv.cfg edited": edit_pyvenv_cfg,
    "the interpreter's symlink replaced": replace_interpreter,
    "another current directory": change_directory,
    "GENEVARS_NO_CACHE=1": turn_cache_off,
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_a_change_makes_the_next_run_ask_again(venv: Venv, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    before = venv.snapshot()
    assert venv.snapshot() == before and venv.runs() == 1
    joined = CHANGES[change](venv, monkeypatch)
    after = venv.snapshot()
    assert venv.runs() == 2
    if joined is not None:
        assert joined in sys_path(after) and joined not in sys_path(before)
    # What it says is what the interpreter says now, uncached.
    monkeypatch.setenv("GENEVARS_NO_CACHE", "1")
    assert sys_path(venv.snapshot()) == sys_path(after)


def test_a_description_is_not_kept_while_a_file_it_depends_on_is_fresh(venv: Venv) -> None:
    (venv.site / "fresh.pth").write_text(f"{venv.tmp / 'dir-b'}\n")  # modified just now
    venv.snapshot()
    venv.snapshot()
    assert venv.runs() == 2
    assert not (venv.tmp / "cache" / "genevars" / "interpreters").exists()


def test_a_secret_looking_python_variable_turns_the_cache_off(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_INDEX_TOKEN", "s3cr3t-value")
    venv.snapshot()
    venv.snapshot()
    assert venv.runs() == 2
    assert not (venv.tmp / "cache").exists()


@pytest.mark.parametrize(
    "value",
    ["https://user:s3cr3t-value@pypi.example.com/simple", "ghp_s3cr3tvalueabcdefghijklmnopqrstu"],
)
def test_a_secret_valued_python_variable_under_an_innocent_name_turns_the_cache_off(
    venv: Venv, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PYTHON_INDEX_LOCATION", value)
    venv.snapshot()
    venv.snapshot()
    assert venv.runs() == 2
    assert not (venv.tmp / "cache").exists()


def test_a_credential_on_sys_path_is_cached_masked_in_a_private_file(venv: Venv) -> None:
    # site adds only existing directories; a .pth's import line adds anything.
    (venv.site / "creds.pth").write_text(
        'import sys; sys.path.append("https://user:s3cr3t-value@pkgs.example.com/lib")\n'
    )
    backdate(venv.tmp)
    first = venv.snapshot()
    second = venv.snapshot()
    assert venv.runs() == 1 and second == first
    assert "s3cr3t-value" not in first and "https://***@pkgs.example.com/lib" in sys_path(first)
    [cached] = (venv.tmp / "cache" / "genevars" / "interpreters").glob("*.json")
    assert "s3cr3t-value" not in cached.read_text()
    assert cached.stat().st_mode & 0o777 == 0o600


def test_a_damaged_cache_file_is_asked_past(venv: Venv) -> None:
    first = venv.snapshot()
    [saved] = (venv.tmp / "cache" / "genevars" / "interpreters").iterdir()
    for damage in ("{not json", json.dumps({"key": "other"}), json.dumps([1, 2])):
        saved.write_text(damage)
        assert venv.snapshot() == first
    assert venv.runs() == 4


def test_runs_in_two_settings_keep_a_description_each(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = {}
    for setting in ("dir-a", "dir-b", "dir-a", "dir-b"):
        monkeypatch.setenv("PYTHONPATH", str(venv.tmp / setting))
        text = venv.snapshot()
        assert texts.setdefault(setting, text) == text
        assert str(venv.tmp / setting) in sys_path(text)
    assert venv.runs() == 2


def test_only_the_newest_descriptions_are_kept(venv: Venv, monkeypatch: pytest.MonkeyPatch) -> None:
    from genevars import _interpreter

    monkeypatch.setattr(_interpreter, "CACHE_ENTRIES", 2)
    saved = venv.tmp / "cache" / "genevars" / "interpreters"
    for directory in ("dir-a", "dir-b", "."):
        monkeypatch.chdir(venv.tmp / directory)
        venv.snapshot()
        time.sleep(0.01)  # distinct mtimes
    assert len(list(saved.iterdir())) == 2
    monkeypatch.chdir(venv.tmp / "dir-a")  # the oldest: asked again
    venv.snapshot()
    assert venv.runs() == 4
