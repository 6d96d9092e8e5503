"""Accelerator facts per node: the probe reads the NVIDIA driver and GPUs from a fake root
(a fake /proc/driver/nvidia/version and a fake nvidia-smi), and the comparison judges CUDA
builds against the driver (findings in text, JSON and HTML). No GPU is needed."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from genevars import _core, _probe, compare_snapshots
from test_compare_support import package, snapshot

PROC_VERSION = (
    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n"
    "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n"
)
OPEN_PROC_VERSION = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.15  Release Build\n"


def fake_proc(root: Path, text: str = PROC_VERSION) -> Path:
    version = root / "proc" / "driver" / "nvidia" / "version"
    version.parent.mkdir(parents=True)
    version.write_text(text)
    return root


def fake_nvidia_smi(root: Path, body: str) -> Path:
    """An executable ``nvidia-smi`` under ``root/usr/bin`` printing ``body``'s output."""
    script = root / "usr" / "bin" / "nvidia-smi"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return root


def test_the_driver_is_read_from_proc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", "/usr/bin")
    assert _probe.accelerator_facts(str(fake_proc(tmp_path / "a"))) == {
        "nvidia_driver": "535.104.05", "gpus": [], "source": "/proc/driver/nvidia/version"
    }
    open_kernel = fake_proc(tmp_path / "b", OPEN_PROC_VERSION)
    assert _probe.accelerator_facts(str(open_kernel))["nvidia_driver"] == "550.54.15"
    # No driver: no accelerators recorded.
    assert _probe.accelerator_facts(str(tmp_path / "empty")) is None


def test_nvidia_smi_gives_the_gpu_models_and_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", "/usr/bin")
    lines = "".join("echo 'NVIDIA H100 80GB HBM3, 550.54.15'\n" for _ in range(8))
    root = fake_proc(fake_nvidia_smi(tmp_path, lines), PROC_VERSION)
    facts = _probe.accelerator_facts(str(root))
    assert facts == {"nvidia_driver": "550.54.15", "gpus": ["NVIDIA H100 80GB HBM3"] * 8, "source": "nvidia-smi"}


def test_a_failing_or_hanging_nvidia_smi_falls_back_to_proc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", "/usr/bin")
    monkeypatch.setattr(_probe, "NVIDIA_SMI_TIMEOUT", 0.5)
    root = fake_proc(fake_nvidia_smi(tmp_path, "sleep 30\n"))
    assert _probe.accelerator_facts(str(root))["source"] == "/proc/driver/nvidia/version"
    broken = fake_proc(fake_nvidia_smi(tmp_path / "x", "echo 'NVIDIA-SMI has failed' >&2; exit 9\n"))
    assert _probe.accelerator_facts(str(broken))["nvidia_driver"] == "535.104.05"


def test_the_snapshot_records_them_and_older_snapshots_still_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", "/usr/bin")
    root = fake_proc(tmp_path)
    snap = _probe.take_snapshot(
        {"secret_rules": _core.secret_rules(), "paths": [], "accelerator_root": str(root)}
    )
    assert snap["accelerators"]["nvidia_driver"] == "535.104.05"
    # The native loader keeps the field, and a snapshot without it is still valid.
    assert json.loads(_core.validate_snapshot(json.dumps(snap)))["accelerators"]["nvidia_driver"] == "535.104.05"
    del snap["accelerators"]
    assert "accelerators" not in json.loads(_core.validate_snapshot(json.dumps(snap)))


def gpu_node(driver: str, torch: str) -> dict:
    node = snapshot({"numpy": "1.26.4"})
    node["packages"].append(package("torch", torch))
    node["accelerators"] = {"nvidia_driver": driver, "gpus": ["NVIDIA H100 80GB HBM3"] * 8, "source": "nvidia-smi"}
    return node


def laptop(torch: str) -> dict:
    local = snapshot({"numpy": "1.26.4"})
    local["packages"].append(package("torch", torch))
    return local


def test_a_cuda_12_4_torch_on_a_12_2_driver_is_an_error_in_text_json_and_html():
    result = compare_snapshots(laptop("2.4.0+cu124"), gpu_node("535.104.05", "2.4.0+cu124"))
    found = [f for f in result.findings if f["category"] == "accelerator"]
    assert [(f["severity"], f["code"], f["subject"]) for f in found] == [
        ("error", "accelerator.driver_too_old", "torch")
    ]
    assert "supports CUDA 12.2 at most" in found[0]["message"]
    assert not result.ok
    assert "CUDA driver version is insufficient" in result.report(color=False)
    assert json.loads(result.to_json())["findings"][0]["category"] == "accelerator"
    assert "supports CUDA 12.2 at most" in result._repr_html_()
    # A driver that supports 12.4: no finding.
    fine = compare_snapshots(laptop("2.4.0+cu124"), gpu_node("550.54.15", "2.4.0+cu124"))
    assert not [f for f in fine.findings if f["category"] == "accelerator"]


def test_a_cpu_torch_on_a_gpu_node_is_a_warning():
    result = compare_snapshots(laptop("2.4.0+cpu"), gpu_node("550.54.15", "2.4.0+cpu"))
    found = [f for f in result.findings if f["category"] == "accelerator"]
    assert [(f["severity"], f["code"]) for f in found] == [("warning", "accelerator.cpu_build_on_gpu")]
    assert "8×NVIDIA H100 80GB HBM3, driver 550.54.15" in found[0]["message"]
    assert "8×NVIDIA H100 80GB HBM3" in result.report(color=False)


def test_the_explain_of_a_cuda_driver_error_points_to_the_build():
    result = compare_snapshots(laptop("2.4.0+cu124"), gpu_node("535.104.05", "2.4.0+cu124"))
    why = result.explain(
        "RuntimeError: The NVIDIA driver on your system is too old (found version 12020). "
        "CUDA driver version is insufficient for CUDA runtime version"
    )
    assert why.causes[0].finding["code"] == "accelerator.driver_too_old", why.text


def test_gpu_groups_are_labelled_with_their_accelerator_and_other_drivers_drift():
    from genevars._compare import compare_node_snapshots

    def on(node: dict, node_id: str) -> dict:
        return dict(node, origin={"node_id": node_id, "node_address": "127.0.0.1", "hostname": node_id})

    nodes = [on(gpu_node("550.54.15", "2.4.0+cu121"), f"n{i}") for i in range(4)]
    nodes.append(on(gpu_node("535.104.05", "2.4.0+cu121"), "old"))
    result = compare_node_snapshots(laptop("2.4.0+cu121"), nodes)
    text = result.report(color=False)
    assert "group 0: 4 nodes" in text and ", 8×NVIDIA H100 80GB HBM3, driver 550.54.15 — " in text, text
    drift = [f for f in result.findings if f["code"] == "drift.accelerator.driver"]
    assert [(f["local"], f["remote"], f["nodes"]) for f in drift] == [("550.54.15", "535.104.05", ["old"])]
    assert result.groups[0]["remote"]["accelerators"] == "8×NVIDIA H100 80GB HBM3, driver 550.54.15"
