"""Timeouts bound everything they name: a hanging ``--python`` wrapper is stopped with
everything it started, and connecting to something that is not Ray ends within the
timeout with one line."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from genevars import SnapshotError, _interpreter, snapshot_env


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for its parent is not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_hanging_python_wrapper_is_killed_with_its_children(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The wrapper does not exec: killing the shell alone would leave `sleep` holding
    # the pipes open, and the snapshot waiting for it.
    pid_file = tmp_path / "child.pid"
    wrapper = tmp_path / "python-wrapper"
    wrapper.write_text(f"#!/bin/sh\nsleep 120 &\necho $! > {pid_file}\nwait\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(_interpreter, "DESCRIBE_TIMEOUT", 1.0)
    started = time.monotonic()
    with pytest.raises(SnapshotError) as info:
        snapshot_env(python=str(wrapper))
    elapsed = time.monotonic() - started
    assert str(info.value) == f"--python {wrapper}: gave no answer within 1 s"
    assert elapsed < 1 + 5, elapsed
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5  # the orphan is reaped by whoever adopts it
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child), f"the wrapper's child {child} is still running"
