"""``genevars.guard()``: every worker of a job checks itself against the driver at start.

The driver takes its snapshot once; the runtime_env it returns carries a
``worker_process_setup_hook`` that Ray runs in each worker process of the job, on every
node, including nodes added later. The hook snapshots the worker, compares it with the
driver's snapshot and, for ``on_mismatch="raise"``, makes every task that worker would
run raise :class:`genevars.EnvironmentMismatchError` naming the node and the findings
with their hints; for ``"warn"``, it writes the findings once per distinct environment
to the worker's stderr, which Ray forwards to the driver.

Why not raise in the hook itself: Ray (2.60) then kills the worker, and the task fails
with a bare ``WorkerCrashedError``; the findings reach only a raylet log line. Instead
the worker starts, and its function manager hands out a function that raises (Ray's
``FunctionActorManager.get_execution_info``, which every Ray 2.x worker calls to run a
task or create an actor). The exception is an application error, so the task fails at
once: Ray does not retry application errors unless ``retry_exceptions`` asks for it.

This module runs on the workers too, where genevars may not be installed: the hook
carries its own source and ``_probe.py``'s (compiled on the driver), so the module level
here is standard library only. With genevars importable on the worker, the comparison
is the native one ``compare_ray_environments`` makes; without it, a standard-library
subset compares the Python version and the installed package versions (a missing
package or another major version is an error, any other version difference a warning)
and says so in each finding.

Secrets: the driver's snapshot holds secret values only as keyed fingerprints; the key
goes with it so that the worker fingerprints its own values the same way. Neither
side's values are shipped, logged or put in an exception.

Needs Ray >= 2.9 (``worker_process_setup_hook`` as a callable); tested with Ray 2.60.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Literal, Mapping, Optional, Union

    from genevars._manifest import Manifest

#: The environment variable that turns the guard off on a node (``off``, ``0``, ``false``).
OFF_VARIABLE = "GENEVARS_GUARD"
OFF_VALUES = ("off", "0", "false", "no", "disabled")
ON_MISMATCH = ("raise", "warn")
SEVERITY_RANK = {"expected": 0, "info": 1, "warning": 2, "error": 3}
#: Internal KV namespace where workers mark the environments already reported.
KV_NAMESPACE = "genevars-guard"
#: Tasks genevars itself runs (its probes) are never blocked: they diagnose the drift.
EXEMPT_FUNCTIONS = ("genevars_probe",)
#: How many findings an exception message lists before "and N more".
MESSAGE_FINDINGS = 8


# --- the driver side ------------------------------------------------------------------


def guard(
    runtime_env: Optional[Union[Mapping[str, Any], Manifest]] = None,
    *,
    on_mismatch: Literal["raise", "warn"] = "raise",
    at: Literal["error", "warning"] = "error",
    env_prefix: Optional[str] = None,
) -> Dict[str, Any]:
    """A runtime_env that makes every worker of the job check itself against this driver.

    Takes this process's snapshot once and returns ``runtime_env`` (a dict, or anything
    with ``to_runtime_env()`` such as a :class:`~genevars.Manifest`) with a
    ``worker_process_setup_hook`` added. Each worker process of the job compares itself
    with the driver when it starts, with the comparison ``compare_ray_environments``
    makes. A worker with findings at or above ``at``:

    - ``on_mismatch="raise"``: runs none of the job's tasks; each task placed there
      fails at once with :class:`genevars.EnvironmentMismatchError` (as the cause of
      Ray's ``RayTaskError``, which is an instance of it) naming the node and the
      findings with their hints.
    - ``on_mismatch="warn"``: runs normally; the findings reach the driver's log once
      per distinct environment.

    A ``worker_process_setup_hook`` already in ``runtime_env`` (a callable or an import
    path) still runs, after the check. ``GENEVARS_GUARD=off`` in a node's environment
    turns the check off there. Tasks of genevars' own probes are never blocked.

    Args:
        runtime_env: the job's runtime_env (or a Manifest) to extend; ``None`` for none.
        on_mismatch: ``"raise"`` or ``"warn"``.
        at: the lowest severity that counts: ``"error"`` or ``"warning"``.
        env_prefix: compare only environment variables starting with this prefix.

    Returns:
        A new runtime_env dict for ``ray.init(runtime_env=...)`` (or a job submission).

    Example:
        >>> import ray, genevars                                              # doctest: +SKIP
        >>> ray.init(address="auto", runtime_env=genevars.guard({"pip": ["requests"]}))  # doctest: +SKIP
    """
    if on_mismatch not in ON_MISMATCH:
        raise ValueError(f"on_mismatch must be 'raise' or 'warn', not {on_mismatch!r}")
    if at not in ("error", "warning"):
        raise ValueError(f"at must be 'error' or 'warning', not {at!r}")
    merged = _runtime_env_dict(runtime_env)
    user_hook = merged.pop("worker_process_setup_hook", None)
    if user_hook is not None and not (callable(user_hook) or isinstance(user_hook, str)):
        raise TypeError(
            "runtime_env['worker_process_setup_hook'] must be a callable or an import path "
            f"string, not {type(user_hook).__name__}"
        )
    import secrets

    from genevars import _probe
    from genevars.compare_env import _local_snapshot, _probe_options

    options = _probe_options(False, secrets.token_bytes(32).hex())
    payload = {
        "driver": _local_snapshot(options),
        "options": options,
        "on_mismatch": on_mismatch,
        "at": at,
        "env_prefix": env_prefix,
        "python": list(sys.version_info[:2]),
    }
    code = {
        "guard": _compiled(sys.modules[__name__]),
        "probe": _compiled(_probe),
    }
    merged["worker_process_setup_hook"] = _make_hook(payload, code, user_hook)
    return merged


def _runtime_env_dict(runtime_env: Any) -> Dict[str, Any]:
    if runtime_env is None:
        return {}
    to_runtime_env = getattr(runtime_env, "to_runtime_env", None)
    if callable(to_runtime_env):
        runtime_env = to_runtime_env()
    if not hasattr(runtime_env, "items"):
        raise TypeError(
            "runtime_env must be a dict like {'pip': [...], 'env_vars': {...}} or a "
            f"genevars Manifest, not {type(runtime_env).__name__}"
        )
    return dict(runtime_env.items())


def _compiled(module: Any) -> Dict[str, Any]:
    """A module's source and its code object marshalled: loading the code costs a worker
    a fraction of compiling the source (it is compiled only under another Python)."""
    import marshal

    path = module.__file__
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    return {
        "source": source,
        "path": path,
        "marshal": marshal.dumps(compile(source, path, "exec", dont_inherit=True)),
        "magic": _magic(),
    }


def _magic() -> str:
    import importlib.util

    return importlib.util.MAGIC_NUMBER.hex()


def _make_hook(payload: Dict[str, Any], code: Dict[str, Dict[str, Any]], user_hook: Any) -> Callable[[], None]:
    # A nested function has no importable name, so cloudpickle ships its code, and it
    # refers to no global of this module: a worker without genevars can run it.
    def genevars_guard_hook() -> None:
        import importlib.util
        import marshal
        import types

        def load(name: str, spec: Dict[str, Any]) -> Any:
            module = types.ModuleType(name)
            module.__file__ = spec["path"]
            if spec["magic"] == importlib.util.MAGIC_NUMBER.hex():
                compiled = marshal.loads(spec["marshal"])
            else:
                compiled = compile(spec["source"], spec["path"], "exec", dont_inherit=True)
            exec(compiled, module.__dict__)
            return module

        shipped = load("genevars_guard_shipped", code["guard"])
        shipped.run_on_worker(payload, lambda: load("genevars_probe_shipped", code["probe"]), user_hook)

    return genevars_guard_hook


# --- the worker side (standard library only) -------------------------------------------


def guard_disabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``GENEVARS_GUARD`` turns the guard off in this environment."""
    return environ.get(OFF_VARIABLE, "").strip().lower() in OFF_VALUES


def run_on_worker(payload: Dict[str, Any], load_probe: Callable[[], Any], user_hook: Any) -> None:
    """The hook's work in a worker process: check, then act, then the user's hook."""
    mismatch = None
    if not guard_disabled():
        try:
            mismatch = check_worker(payload, load_probe())
        except Exception as exc:  # noqa: BLE001 - the guard must not kill the worker
            _log(f"genevars guard: could not compare this worker with the driver ({type(exc).__name__}: {_first_line(str(exc))}); the worker runs unchecked")
    if mismatch is not None:
        _report(mismatch, payload["on_mismatch"])
        if payload["on_mismatch"] == "raise":
            _block_tasks(mismatch)
    if user_hook is None:
        return
    try:
        _call_user_hook(user_hook)
    except Exception:
        # A worker that drifted may fail in the user's hook too (an import); its tasks
        # then report the drift instead of a crashed worker.
        if mismatch is None or payload["on_mismatch"] != "raise":
            raise


def _call_user_hook(user_hook: Any) -> None:
    if isinstance(user_hook, str):
        import importlib

        module_name, _, attribute = user_hook.rpartition(".")
        user_hook = getattr(importlib.import_module(module_name), attribute)
    user_hook()


def _node_id() -> str:
    try:
        import ray

        # Not connected (outside a worker): get_runtime_context() would start Ray.
        if ray.is_initialized():
            node_id: str = ray.get_runtime_context().get_node_id()
            return node_id
    except Exception:  # noqa: BLE001 - only the message depends on it
        pass
    import socket

    return socket.gethostname()


def check_worker(payload: Dict[str, Any], probe: Any) -> Optional[Dict[str, Any]]:
    """This worker's findings at or above ``payload["at"]`` as
    ``{"node_id", "findings", "message"}``, or None when it matches the driver."""
    node_id = _node_id()
    options = dict(payload["options"], origin={"node_id": node_id, "node_address": None, "hostname": None})
    snapshot, packages = probe.take_snapshot_parts(options)
    findings = _native_findings(payload, snapshot, packages)
    if findings is None:
        findings = stdlib_findings(json.loads(payload["driver"]), snapshot, json.loads(packages))
    threshold = SEVERITY_RANK[payload["at"]]
    relevant = [f for f in findings if SEVERITY_RANK.get(f.get("severity", ""), 0) >= threshold]
    if not relevant:
        return None
    return {
        "node_id": node_id,
        "findings": relevant,
        "message": mismatch_message(node_id, relevant),
        "guard_id": payload["options"].get("fingerprint_key"),
    }


def _native_findings(payload: Dict[str, Any], snapshot: Dict[str, Any], packages: str) -> Optional[List[Dict[str, Any]]]:
    """The comparison ``compare_ray_environments`` makes, when genevars' core imports."""
    try:
        from genevars import _core
    except Exception:  # noqa: BLE001 - missing or broken: the stdlib subset runs
        return None
    rest = json.dumps(snapshot, separators=(",", ":"))
    comparison = _core.compare_nodes(
        payload["driver"], [rest], [], payload["env_prefix"], True, package_lists=[packages], node_lists=[0]
    )
    findings: List[Dict[str, Any]] = json.loads(comparison.findings_json())
    return findings


def _major(version: str) -> str:
    return version.split(".", 1)[0].lstrip("v")


def stdlib_findings(driver: Dict[str, Any], worker: Dict[str, Any], worker_packages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """What a worker without genevars compares: the Python version and the package
    versions (a missing package or another major version: error; else a warning)."""
    note = " (standard-library check: genevars is not installed on this worker)"
    findings: List[Dict[str, Any]] = []
    local_py = (driver.get("python") or {}).get("version") or ""
    remote_py = (worker.get("python") or {}).get("version") or ""
    if local_py.split(".")[:2] != remote_py.split(".")[:2]:
        findings.append({
            "severity": "error", "category": "python", "code": "guard.python_version", "subject": "python",
            "local": local_py, "remote": remote_py,
            "message": f"Python {remote_py} on this worker, {local_py} on the driver{note}",
            "hint": f"run the workers with Python {'.'.join(local_py.split('.')[:2])}",
        })
    remote = {p.get("name"): p.get("version") for p in worker_packages}
    for package in driver.get("packages") or ():
        name, version = package.get("name"), package.get("version")
        theirs = remote.get(name)
        if theirs == version:
            continue
        if theirs is None:
            severity, what = "error", f"{name} {version} on the driver, missing on this worker"
        else:
            severity = "error" if _major(theirs) != _major(version or "") else "warning"
            what = f"{name} {theirs} on this worker, {version} on the driver"
        findings.append({
            "severity": severity, "category": "package", "code": "guard.package_version", "subject": name,
            "local": version, "remote": theirs, "message": what + note, "hint": f"pin {name}=={version}",
        })
    return findings


def mismatch_message(node_id: str, findings: List[Dict[str, Any]]) -> str:
    """``node 8f3826fc: numpy 2.2.6 ... : pin numpy==1.26.4`` for each finding."""
    lines = [f"genevars guard: this worker's environment differs from the driver's (node {node_id[:8]}):"]
    for finding in findings[:MESSAGE_FINDINGS]:
        line = f"  node {node_id[:8]}: "
        if finding.get("local") is not None or finding.get("remote") is not None:
            line += (
                f"{finding.get('subject')} {finding.get('remote') or '(missing)'} on this worker, "
                f"{finding.get('local') or '(missing)'} on the driver: "
            )
        line += f"[{finding.get('severity')}] {finding.get('message')}"
        if finding.get("hint"):
            line += f"; hint: {_first_line(finding['hint'], 400)}"
        lines.append(line)
    if len(findings) > MESSAGE_FINDINGS:
        lines.append(f"  ... and {len(findings) - MESSAGE_FINDINGS} more")
    lines.append(
        "  Compare the whole cluster with `python -m genevars.compare_env`; set "
        f"{OFF_VARIABLE}=off on a node to turn the guard off there."
    )
    return "\n".join(lines)


def _first_line(text: str, limit: int = 300) -> str:
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _log(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _report(mismatch: Dict[str, Any], on_mismatch: str) -> None:
    """Write the findings to stderr (Ray forwards it to the driver) once per distinct
    environment of the job: the first worker that finds it marks it in Ray's KV store."""
    digest = hashlib.sha256(
        json.dumps([[f.get("code"), f.get("subject"), f.get("local"), f.get("remote")] for f in mismatch["findings"]]).encode()
    ).hexdigest()[:32]
    # One guard() call, one job: its fingerprint key is unique to it (only its digest is
    # stored).
    job = hashlib.sha256(str(mismatch.get("guard_id")).encode()).hexdigest()[:16]
    try:
        from ray.experimental.internal_kv import _internal_kv_put

        key = f"{job}/{digest}"
        already = _internal_kv_put(key, mismatch["node_id"], overwrite=False, namespace=KV_NAMESPACE)
    except Exception:  # noqa: BLE001 - without the store, every worker reports
        already = False
    if already:
        return
    action = "fail with EnvironmentMismatchError" if on_mismatch == "raise" else "run anyway (on_mismatch='warn')"
    _log(f"{mismatch['message']}\n  Its tasks {action}.")


def _block_tasks(mismatch: Dict[str, Any]) -> None:
    """Make every task this worker is handed raise EnvironmentMismatchError."""
    from ray._private import worker

    manager = worker.global_worker.function_actor_manager
    original = manager.get_execution_info
    error_type = _error_type()
    message = mismatch["message"]

    def get_execution_info(job_id: Any, function_descriptor: Any) -> Any:
        info = original(job_id, function_descriptor)
        if any(name in str(info.function_name) for name in EXEMPT_FUNCTIONS):
            return info

        def environment_mismatch(*args: Any, **kwargs: Any) -> Any:
            raise error_type(message)

        return info._replace(function=environment_mismatch)

    manager.get_execution_info = get_execution_info


def _error_type() -> Any:
    try:
        from genevars.compare_env import EnvironmentMismatchError

        return EnvironmentMismatchError
    except Exception:  # noqa: BLE001 - genevars missing on this worker
        return RuntimeError
