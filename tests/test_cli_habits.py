"""What every command does alike, run as a user runs it (a subprocess): ``--version``,
exit statuses in ``--help``, ``-q``/``-v``, ``--format`` with ``--json`` as its synonym,
and one meaning of ``--manifest``."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import genevars
from genevars import Manifest
from test_compare_support import LOCAL, REMOTE, write
from test_output_safety import cli

# Wide help: argparse wraps to the terminal's width, breaking phrases at hyphens.
ENV = dict(os.environ, NO_COLOR="1", COLUMNS="400")

#: Every command line there is (a subcommand's actions too), and the exit statuses its
#: --help must name besides the 2/130/141 every command has.
COMMANDS = {
    (): ("0    clean", "1    findings at or above --fail-on"),
    ("snapshot",): ("0    written",),
    ("diff",): ("0    no finding at or above --fail-on", "1    findings at or above --fail-on"),
    ("compare",): ("0    every selected node compared", "1    findings at or above --fail-on"),
    ("check",): ("0    no finding at or above --fail-on", "1    findings at or above --fail-on"),
    ("manifest",): ("0    shown, or valid",),
    ("manifest", "show"): ("0    printed",),
    ("manifest", "validate"): ("0    a valid manifest",),
    ("requirements",): ("0    the requirements were printed",),
    ("explain",): ("0    the explanation was printed",),
    ("preflight",): ("0    the versions match", "1    a version mismatch"),
}
#: The commands that report, and the formats each offers.
FORMATS = {
    ("diff",): "text, json, html",
    ("compare",): "text, json, html",
    ("check",): "text, json, html",
    ("explain",): "text, json, html",
    ("preflight",): "text, json, html",
    ("requirements",): "text, json",
    ("manifest", "show"): "text, json, python, requirements",
}


def genevars_cli(*args: str, module: str = "genevars") -> subprocess.CompletedProcess[str]:
    return cli(*args, module=module, env=ENV)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[str, str]:
    return str(write(tmp_path / "local.json", LOCAL)), str(write(tmp_path / "remote.json", REMOTE))


@pytest.fixture
def traceback_file(tmp_path: Path) -> str:
    path = tmp_path / "tb.txt"
    path.write_text("Traceback (most recent call last):\nModuleNotFoundError: No module named 'numpy._core'\n")
    return str(path)


# --- --version -----------------------------------------------------------------------


def test_compare_env_module_prints_the_version() -> None:
    done = genevars_cli("--version", module="genevars.compare_env")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"genevars {genevars.__version__}"


@pytest.mark.parametrize("command", [c for c in COMMANDS if c and c != ("manifest",)], ids=" ".join)
def test_every_command_prints_the_version(command: tuple[str, ...]) -> None:
    done = genevars_cli(*command, "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"genevars {genevars.__version__}"), done.stderr


# --- --help: exit statuses, -q/-v, --format -------------------------------------------


@pytest.mark.parametrize("command", list(COMMANDS), ids=lambda c: " ".join(c) or "genevars")
def test_every_help_states_the_exit_statuses(command: tuple[str, ...]) -> None:
    done = genevars_cli(*command, "--help")
    assert done.returncode == 0, done.stderr
    statuses = done.stdout.split("\nexit status:\n", 1)[1]
    for status in (*COMMANDS[command], "2    ", "130  interrupted", "141  "):
        assert f"\n  {status}" in f"\n{statuses}", (status, done.stdout)
    if command and command != ("manifest",):
        assert "-q, --quiet" in done.stdout and "-v, --verbose" in done.stdout
    offered = FORMATS.get(command)
    if offered is not None:
        assert f"how to print the result: {offered} (default: text)" in " ".join(done.stdout.split())
        assert "the same as --format json" in done.stdout


def test_compare_env_module_help_is_genevars_compare_help() -> None:
    module = genevars_cli("--help", module="genevars.compare_env")
    assert module.returncode == 0
    assert module.stdout == genevars_cli("compare", "--help").stdout
    assert "exit status:" in module.stdout


def test_format_and_json_together_is_a_usage_error(pair: tuple[str, str]) -> None:
    done = genevars_cli("diff", *pair, "--json", "--format", "html")
    assert done.returncode == 2
    assert "not allowed with argument" in done.stderr and done.stdout == ""


def test_quiet_and_verbose_together_is_a_usage_error(pair: tuple[str, str]) -> None:
    done = genevars_cli("diff", *pair, "-q", "-v")
    assert done.returncode == 2 and "not allowed with argument" in done.stderr


# --- -q and -v -------------------------------------------------------------------------


def test_diff_quiet_prints_the_verdict_line_and_keeps_the_status(pair: tuple[str, str]) -> None:
    loud = genevars_cli("diff", *pair)
    quiet = genevars_cli("diff", *pair, "-q")
    assert quiet.returncode == loud.returncode == 1
    assert quiet.stdout == loud.stdout.split("\n", 1)[0] + "\n"
    assert quiet.stdout.startswith("genevars: local vs remote: PROBLEMS FOUND: 2 errors")
    assert quiet.stderr == ""


def test_verbose_says_what_ran_on_stderr(pair: tuple[str, str]) -> None:
    plain = genevars_cli("diff", *pair)
    verbose = genevars_cli("diff", *pair, "-v")
    assert verbose.stdout == plain.stdout
    assert plain.stderr == ""
    assert verbose.stderr.startswith("genevars: diff: exit status 1 after ")


def test_check_quiet_is_one_headline(pair: tuple[str, str]) -> None:
    done = genevars_cli("check", *pair, "-q")
    assert done.returncode == 1
    assert done.stdout == "genevars check: PROBLEMS FOUND: 1 error, 1 warning, 0 info, 0 expected\n"


def test_explain_quiet_prints_the_explanation_without_the_report(pair: tuple[str, str], traceback_file: str) -> None:
    loud = genevars_cli("explain", traceback_file, *pair)
    quiet = genevars_cli("explain", traceback_file, *pair, "-q")
    assert quiet.returncode == loud.returncode == 0
    assert "PROBLEMS FOUND" in loud.stdout and "PROBLEMS FOUND" not in quiet.stdout
    assert quiet.stdout.startswith("genevars explain: ModuleNotFoundError")
    assert loud.stdout.startswith(quiet.stdout)


def test_snapshot_quiet_writes_the_file_and_says_nothing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    out = tmp_path / "snap.json"
    loud = genevars_cli("snapshot", "--path", str(site), "-o", str(out))
    assert loud.returncode == 0 and loud.stdout.startswith(f"wrote {out}: 0 packages")
    out.unlink()
    quiet = genevars_cli("snapshot", "--path", str(site), "-o", str(out), "-q")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert json.loads(out.read_text())["schema"] == "genevars.snapshot/1"


def test_manifest_validate_quiet_is_the_exit_status_alone(tmp_path: Path) -> None:
    path = tmp_path / "fix.json"
    Manifest.create_pip("fix").pip(["six==1.16.0"]).build().save(path)
    assert genevars_cli("manifest", "validate", str(path)).stdout.startswith("ok: manifest 'fix'")
    quiet = genevars_cli("manifest", "validate", "-q", str(path))
    assert (quiet.returncode, quiet.stdout) == (0, "")
    path.write_text("{}")
    broken = genevars_cli("manifest", "validate", "-q", str(path))
    assert broken.returncode == 2 and broken.stderr.startswith("genevars: ")


def test_requirements_quiet_drops_the_summary_note(tmp_path: Path) -> None:
    loud = genevars_cli("requirements", "--for", "pytest")
    quiet = genevars_cli("requirements", "--for", "pytest", "-q")
    assert loud.returncode == quiet.returncode == 0
    assert "pytest==" in quiet.stdout and quiet.stdout == loud.stdout
    assert " needed" in loud.stderr and " needed" not in quiet.stderr


# --- --format --------------------------------------------------------------------------


def test_diff_formats(pair: tuple[str, str]) -> None:
    as_json = genevars_cli("diff", *pair, "--format", "json")
    assert as_json.stdout == genevars_cli("diff", *pair, "--json").stdout
    assert json.loads(as_json.stdout)["schema"] == "genevars.comparison/1"
    assert genevars_cli("diff", *pair, "--format", "text").stdout == genevars_cli("diff", *pair).stdout
    page = genevars_cli("diff", *pair, "--format", "html")
    assert page.returncode == 1
    assert page.stdout.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    assert '<div class="genevars-comparison">' in page.stdout and page.stdout.endswith("</html>\n")
    assert "numpy" in page.stdout


def test_check_formats(pair: tuple[str, str]) -> None:
    as_json = genevars_cli("check", *pair, "--format", "json")
    assert as_json.stdout == genevars_cli("check", *pair, "--json").stdout
    assert json.loads(as_json.stdout)["summary"]["errors"] == 1
    page = genevars_cli("check", *pair, "--format", "html")
    assert page.returncode == 1 and page.stdout.startswith("<!DOCTYPE html>")
    assert "<td>ERROR</td><td>rule</td><td>numpy</td>" in page.stdout


def test_check_html_escapes_what_it_shows(tmp_path: Path) -> None:
    hostile = json.loads(json.dumps(LOCAL))
    hostile["packages"].append(
        {**hostile["packages"][0], "name": "evil", "display_name": "evil", "version": "1.0",
         "requires_dist": ["<script>x</script>pkg>=1"]}
    )
    snap = write(tmp_path / "hostile.json", hostile)
    page = genevars_cli("check", str(snap), "--format", "html").stdout
    assert "<script>" not in page


def test_explain_formats(pair: tuple[str, str], traceback_file: str) -> None:
    as_json = genevars_cli("explain", traceback_file, *pair, "--format", "json")
    assert as_json.stdout == genevars_cli("explain", traceback_file, *pair, "--json").stdout
    assert json.loads(as_json.stdout)["causes"][0]["finding"]["subject"] == "numpy"
    page = genevars_cli("explain", traceback_file, *pair, "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and "ModuleNotFoundError" in page
    assert '<div class="genevars-comparison">' in page  # the report follows the causes


def test_manifest_show_formats_keep_their_flags(tmp_path: Path) -> None:
    path = tmp_path / "fix.json"
    Manifest.create_pip("fix").pip(["six==1.16.0"]).build().save(path)
    for name in ("json", "python", "requirements"):
        long = genevars_cli("manifest", "show", str(path), "--format", name)
        assert long.returncode == 0 and long.stdout == genevars_cli("manifest", "show", str(path), f"--{name}").stdout
    assert genevars_cli("manifest", "show", str(path), "--format", "requirements").stdout == "six==1.16.0\n"


def test_requirements_json_format() -> None:
    done = genevars_cli("requirements", "--for", "pytest", "--format", "json")
    assert done.returncode == 0
    assert any(r.startswith("pytest==") for r in json.loads(done.stdout)["requirements"])
    assert genevars_cli("requirements", "--for", "pytest", "--format", "html").returncode == 2


# --- one --manifest --------------------------------------------------------------------


def test_manifest_means_a_manifest_file_in_check_and_compare(tmp_path: Path, pair: tuple[str, str]) -> None:
    local, _ = pair
    path = tmp_path / "fix.json"
    Manifest.create_pip("fix").pip(["numpy==2.2.6"]).build().save(path)
    by_file = genevars_cli("check", local, "--manifest", str(path), "--json")
    by_pins = genevars_cli("check", local, "--pins", "numpy==2.2.6", "--json")
    assert by_file.returncode == by_pins.returncode
    assert json.loads(by_file.stdout) == json.loads(by_pins.stdout)
    assert json.loads(by_file.stdout) != json.loads(genevars_cli("check", local, "--json").stdout)
    # Pins where a manifest file belongs: refused, pointing at --pins.
    wrong = genevars_cli("check", local, "--manifest", "numpy==2.2.6")
    assert wrong.returncode == 2 and "pass pins with --pins" in wrong.stderr
    helps = [" ".join(genevars_cli(c, "--help").stdout.split()) for c in ("check", "compare")]
    for text in helps:
        assert "--manifest FILE a genevars manifest file (Manifest.save(), --fix-manifest) the job will run with" in text


def test_compare_on_a_local_cluster_formats_html_and_says_what_ran() -> None:
    done = genevars_cli(
        "--address", "local", "--format", "html", "-v", "--fail-on", "warning", module="genevars.compare_env"
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert done.stdout.startswith("<!DOCTYPE html>") and '<div class="genevars-comparison">' in done.stdout
    assert "genevars: compare: exit status 0 after " in done.stderr
