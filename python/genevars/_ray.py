"""Everything that touches Ray: connecting, finding nodes, probing them in parallel.

This is the only module of genevars that imports ``ray``; ``import genevars`` never loads
it. The probe runs on the workers as a function shipped *by value* (cloudpickle copies its
code), so a worker that cannot ``import genevars`` is still probed: that missing package is
exactly the kind of problem being diagnosed.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import json
import logging
import os
import socket
import sys
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Dict, Iterator, List, Literal, Optional, Sequence, Tuple, Union, overload

from genevars._core import ClusterError, mask_credentials
from genevars._manifest import split_secret_env

try:
    import ray
except ImportError as exc:  # pragma: no cover - exercised in a venv without ray
    raise ImportError(
        f'Ray is needed to compare a cluster but could not be imported ({exc}); '
        'install it with: pip install "genevars[ray]"'
    ) from exc

import ray.exceptions
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

ProbeFunction = Callable[[Dict[str, Any]], Dict[str, Any]]
# ``(snapshot without "packages", package list as JSON text)``, like _probe.take_snapshot_parts.
PartsFunction = Callable[[Dict[str, Any]], Tuple[Dict[str, Any], str]]
NodeSelection = Union[str, Sequence[str]]

# Above this many nodes a comparison reports its progress on stderr.
PROGRESS_THRESHOLD = 5
# How long a TCP connect to the cluster's address may take before it counts as dead.
CONNECT_TIMEOUT_CAP = 10.0
# Node ids are 56 hex characters; a shorter unique prefix is accepted (like git).
MIN_NODE_ID_PREFIX = 6
# Ray resource that marks the head node.
HEAD_NODE_RESOURCE = "node:__internal_head__"
# Settings for a cluster genevars starts itself: loopback only, no dashboard, a small
# object store (a probe returns a few hundred kB), one CPU so that Ray does not prestart
# a worker per core of a big machine (the probe asks for no CPU anyway).
LOCAL_CLUSTER_OPTIONS: Dict[str, Any] = {
    "include_dashboard": False,
    "_node_ip_address": "127.0.0.1",
    "object_store_memory": 80 * 1024 * 1024,
    "num_cpus": 1,
}

NOT_INITIALIZED_HELP = (
    "Ray is not initialized. Either:\n"
    "  1. connect first: ray.init(address=...) (or run inside your Ray job), or\n"
    '  2. pass auto_init=True (and ray_address="auto" | "local" | "HOST:PORT" | '
    '"ray://HOST:PORT"), or\n'
    "  3. from a shell: python -m genevars.compare_env --address local"
)


class RayClusterError(ClusterError, RuntimeError):
    """Ray is not initialized, or the cluster at the given address does not answer.

    A ``RuntimeError`` too, so code written for geneva's ``compare_ray_environments``
    (which raises ``RuntimeError`` when Ray is not initialized) keeps working.
    """


@dataclass(frozen=True)
class NodeInfo:
    """One Ray node as the GCS reports it."""

    node_id: str
    address: str
    hostname: str
    alive: bool
    is_head: bool
    #: The node's accelerator resources as Ray schedules them (``GPU``, ``TPU``,
    #: ``accelerator_type:H100``...), counts as text.
    accelerators: Tuple[Tuple[str, str], ...] = ()

    def origin(self) -> Dict[str, Any]:
        """The snapshot ``origin`` of a probe run on this node."""
        return {"node_id": self.node_id, "node_address": self.address, "hostname": self.hostname}

    def unreachable(self, error: str, reason: str = "unreachable") -> Dict[str, str]:
        """The ``unreachable`` entry ``_core.compare_nodes`` takes for this node;
        ``reason`` is ``unreachable`` or ``runtime_env``."""
        return {"node_id": self.node_id, "node_address": self.address, "error": error, "reason": reason}


# --- connecting -----------------------------------------------------------------------


def _split_host_port(address: str) -> Tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise RayClusterError(
            f"Ray address {address!r} is not HOST:PORT; pass auto, local, HOST:PORT "
            "(e.g. 10.0.0.5:6379) or ray://HOST:PORT"
        )
    return host.strip("[]"), int(port)


def _check_listening(address: str, timeout: float, what: str, shown: Optional[str] = None) -> None:
    """Fail fast (within ``timeout``) when nothing accepts connections at ``address``.

    ``ray.init`` on a dead GCS address retries for a long time; a plain TCP connect
    answers in milliseconds, or within the timeout for a host that drops packets.
    """
    host, port = _split_host_port(address)
    shown = address if not shown or shown == address else f"{shown} (dialled as {address})"
    try:
        with socket.create_connection((host, port), timeout=min(timeout, CONNECT_TIMEOUT_CAP)):
            pass
    except OSError as exc:
        reason = "timed out" if isinstance(exc, socket.timeout) else (exc.strerror or str(exc))
        raise RayClusterError(
            f"no {what} answers at {shown} ({reason}); check the address and that the "
            "cluster is running (`ray status`), or use --address local to start one here"
        ) from None


# Which server a connection is meant for: what it is called, the call it must answer
# (a cheap one every version has), and where to look when something else answers there.
GCS = "Ray GCS"
CLIENT_SERVER = "Ray Client server"
_OTHER_PORT_HINT = {
    GCS: "is it the Ray Client port? then pass ray://HOST:PORT",
    CLIENT_SERVER: "is it the GCS port? then pass HOST:PORT without ray://; "
    "Ray Client listens on port 10001 by default",
}


def _ping_call(channel: Any, what: str) -> Optional[Callable[[float, Tuple[Tuple[str, str], ...]], Any]]:
    """The call that tells a ``what`` server answers: GCS ``GetClusterId``, Ray Client
    ``ClusterInfo(PING)``; None when this Ray version's generated stubs differ."""
    try:
        if what == GCS:
            from ray.core.generated import gcs_service_pb2, gcs_service_pb2_grpc

            stub = gcs_service_pb2_grpc.NodeInfoGcsServiceStub(channel)
            request = gcs_service_pb2.GetClusterIdRequest()  # pyright: ignore[reportAttributeAccessIssue] - generated
            return lambda timeout, metadata: stub.GetClusterId(request, timeout=timeout, metadata=metadata)
        from ray.core.generated import ray_client_pb2, ray_client_pb2_grpc

        driver = ray_client_pb2_grpc.RayletDriverStub(channel)
        ping = ray_client_pb2.ClusterInfoRequest(type=ray_client_pb2.ClusterInfoType.PING)  # pyright: ignore[reportAttributeAccessIssue] - generated
        return lambda timeout, metadata: driver.ClusterInfo(ping, timeout=timeout, metadata=metadata)
    except (ImportError, AttributeError):
        return None


def _auth_metadata() -> Tuple[Tuple[str, str], ...]:
    """The token metadata Ray itself would send from this process (none when it has no
    token, or this Ray version has no token authentication)."""
    try:
        from ray._private.authentication.grpc_authentication_client_interceptor import (
            _get_authentication_metadata_tuple,
        )

        return tuple(_get_authentication_metadata_tuple())
    except Exception:  # noqa: BLE001 - older Ray, or no token: send none
        return ()


def _check_grpc_answers(address: str, timeout: float, what: str, shown: Optional[str] = None) -> None:
    """Fail within ``timeout`` unless what listens at ``address`` is a ``what`` (``GCS``
    or ``CLIENT_SERVER``) that accepts this process.

    ``ray.init`` against anything else retries for a long time and fills stderr with
    Ray's C++ log: a plain TCP server, the GCS port given as ``ray://``, a cluster that
    wants an authentication token this process does not have. One call, as Ray would
    make it (with Ray's token, if any), tells them apart. Skipped without grpcio.
    """
    try:
        import grpc
    except ImportError:
        return
    shown = shown or address
    deadline = time.monotonic() + min(timeout, CONNECT_TIMEOUT_CAP)
    channel = grpc.insecure_channel(address)
    try:
        try:
            grpc.channel_ready_future(channel).result(timeout=_left(deadline))
        except grpc.FutureTimeoutError:
            raise RayClusterError(
                f"something listens at {shown} but it is not a responding {what} (no gRPC "
                "answer); check the address and port (the GCS port, 6379 by default)"
            ) from None
        call = _ping_call(channel, what)
        if call is None:
            return
        try:
            call(_left(deadline), _auth_metadata())
        except grpc.RpcError as exc:
            _raise_for_status(exc, shown, what)
    finally:
        channel.close()


def _raise_for_status(exc: Any, shown: str, what: str) -> None:
    """The one-line error for a ``what`` server that answered ``exc`` to a plain call."""
    import grpc

    code = exc.code() if callable(getattr(exc, "code", None)) else None
    if code == grpc.StatusCode.UNAUTHENTICATED:
        has_token = bool(_auth_metadata())
        raise RayClusterError(
            f"the Ray cluster at {shown} requires an authentication token and refused "
            f"{'the one this process has' if has_token else 'this process, which has none'}; "
            "set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH) to that cluster's "
            "token, or pass the address of your own cluster"
        ) from None
    if code == grpc.StatusCode.UNIMPLEMENTED:
        raise RayClusterError(
            f"something at {shown} answers gRPC but is not a {what} ({_OTHER_PORT_HINT[what]})"
        ) from None
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        raise RayClusterError(
            f"the {what} at {shown} did not answer in time; check that the cluster is healthy (`ray status`)"
        ) from None
    # Anything else (a server shutting down, a transient failure): ray.init says more.


def _canonical_gcs_address(address: str) -> str:
    """The HOST:PORT Ray itself will dial (it replaces 127.0.0.1 by the node's IP)."""
    from ray._private import services

    try:
        return services.canonicalize_bootstrap_address(address) or address
    except Exception:  # an unresolvable host: let the TCP check say so
        return address


def _resolve_auto_address() -> str:
    """What ``address="auto"`` means here: RAY_ADDRESS, or the cluster started on this
    machine most recently."""
    from ray._private import services

    try:
        resolved: Optional[str] = services.canonicalize_bootstrap_address("auto")
    except (ConnectionError, ValueError) as exc:
        raise RayClusterError(
            f"found no running Ray cluster for address 'auto' ({_first_line(str(exc))}); "
            "set RAY_ADDRESS, pass HOST:PORT, or use --address local to start one here"
        ) from None
    if not resolved:
        raise RayClusterError(
            "found no running Ray cluster for address 'auto'; set RAY_ADDRESS, pass "
            "HOST:PORT, or use --address local to start one here"
        )
    return resolved


def _init_client(address: str, timeout: float) -> None:
    try:
        import grpc  # noqa: F401  (Ray Client's transport)
    except ImportError:
        raise ImportError(
            f'Ray Client ({address}) needs grpcio: pip install "ray[client]" '
            '(or pip install "genevars[ray]")'
        ) from None
    server = address[len("ray://") :]
    deadline = time.monotonic() + timeout
    _check_listening(server, timeout, CLIENT_SERVER)
    _check_grpc_answers(server, _left(deadline), CLIENT_SERVER)
    try:
        ray.init(address=address, logging_level=logging.ERROR)
    except ConnectionError:
        # The server starts a process per client session; on a loaded head that start can
        # fail once. One more try, if the time budget allows.
        if time.monotonic() >= deadline:
            raise
        with contextlib.suppress(Exception):
            ray.shutdown()
        ray.init(address=address, logging_level=logging.ERROR)


def _left(deadline: float) -> float:
    """Seconds left until ``deadline`` (a little, never nothing, once it has passed: the
    checks then fail at once with their own message)."""
    return max(deadline - time.monotonic(), 0.001)


def _init(address: Optional[str], timeout: float) -> None:
    """``ray.init`` for the address forms genevars accepts, bounded by ``timeout``."""
    if address is None or address == "local":
        ray.init(address="local", logging_level=logging.ERROR, log_to_driver=False, **LOCAL_CLUSTER_OPTIONS)
        return
    if address == "auto":
        address = _resolve_auto_address()
    if address.startswith("ray://"):
        _init_client(address, timeout)
        return
    _split_host_port(address)  # a clear error for a malformed address, before Ray's
    gcs = _canonical_gcs_address(address)
    deadline = time.monotonic() + timeout
    _check_listening(gcs, timeout, "Ray cluster (GCS)", shown=address)
    _check_grpc_answers(gcs, _left(deadline), GCS, shown=address)
    ray.init(address=gcs, logging_level=logging.ERROR, log_to_driver=False)


def is_connected() -> bool:
    """Whether this process is connected to Ray already (``ray.init`` has run)."""
    return bool(ray.is_initialized())


def require_connection(auto_init: bool) -> None:
    """Raise the "not initialized" error early, before any other work is done."""
    if not auto_init and not ray.is_initialized():
        raise RayClusterError(NOT_INITIALIZED_HELP)


@contextlib.contextmanager
def ray_connection(
    address: Optional[str] = "auto", auto_init: bool = False, timeout: float = 60.0
) -> Iterator[None]:
    """Use the active Ray connection, or open one for the duration of the block.

    A connection genevars opened (``auto_init=True``) is closed on exit, which for
    ``address="local"`` also stops the cluster it started; a connection the caller made
    is left alone.

    >>> with ray_connection("local", auto_init=True):   # doctest: +SKIP
    ...     nodes = list_nodes()
    """
    if ray.is_initialized():
        yield
        return
    require_connection(auto_init)
    try:
        _init(address, timeout)
    except (RayClusterError, ImportError):
        raise
    except Exception as exc:
        with contextlib.suppress(Exception):
            ray.shutdown()
        raise RayClusterError(
            f"could not connect to Ray at {address!r}: {_describe_error(exc)}"
        ) from None
    try:
        yield
    finally:
        ray.shutdown()


# --- nodes ----------------------------------------------------------------------------


def list_nodes() -> List[NodeInfo]:
    """Every node the cluster knows, alive or dead, head first."""
    nodes = [
        NodeInfo(
            node_id=entry["NodeID"],
            address=entry.get("NodeManagerAddress") or "",
            hostname=entry.get("NodeManagerHostname") or "",
            alive=bool(entry.get("Alive")),
            is_head=HEAD_NODE_RESOURCE in (entry.get("Resources") or {}),
            accelerators=_accelerator_resources(entry.get("Resources") or {}),
        )
        for entry in ray.nodes()
    ]
    return _head_first(nodes)


def _head_first(nodes: List[NodeInfo]) -> List[NodeInfo]:
    """The head node first, then the others by id: one order for every listing."""
    return sorted(nodes, key=lambda n: (not n.is_head, n.node_id))


def list_alive_nodes() -> List[NodeInfo]:
    """The alive nodes, head first, asked of the GCS node table with its ``ALIVE`` filter.

    ``ray.nodes()`` returns every node the cluster has ever seen: on a long-lived
    autoscaling cluster, dead nodes can outnumber live ones many times over, and each
    costs a decoded entry. The GCS filters on its side. Through Ray Client, or on a Ray
    whose GCS client lacks the filter, this is ``list_nodes()`` without the dead.
    """
    infos = _gcs_alive_node_infos()
    if infos is None:
        return [n for n in list_nodes() if n.alive]
    nodes = [
        NodeInfo(
            node_id=info.node_id.hex(),
            address=info.node_manager_address,
            hostname=info.node_manager_hostname,
            alive=True,
            is_head=bool(info.is_head_node) or HEAD_NODE_RESOURCE in info.resources_total,
            accelerators=_accelerator_resources(dict(info.resources_total)),
        )
        for info in infos
    ]
    return _head_first(nodes)


def _gcs_alive_node_infos() -> Optional[List[Any]]:
    """The GCS's ``GcsNodeInfo`` of every alive node, or None where this Ray cannot ask
    for them filtered (Ray Client, older Ray)."""
    try:
        # Generated and private modules: Any to the type checkers, whichever Ray is installed.
        GcsNodeInfo: Any = importlib.import_module("ray.core.generated.gcs_pb2").GcsNodeInfo
        gcs_client = importlib.import_module("ray._private.worker").global_worker.gcs_client
        infos = gcs_client.get_all_node_info(
            timeout=CONNECT_TIMEOUT_CAP, state_filter=GcsNodeInfo.GcsNodeState.ALIVE
        )
        return [info for info in infos.values() if info.state == GcsNodeInfo.GcsNodeState.ALIVE]
    except Exception:  # noqa: BLE001 - any failure falls back to ray.nodes(), which raises clearly
        return None


# Ray's resource names for accelerators (a node's `accelerator_type:<model>` names its GPUs).
ACCELERATOR_RESOURCES = ("GPU", "TPU", "NPU", "HPU", "neuron_cores")


def _accelerator_resources(resources: Dict[str, Any]) -> Tuple[Tuple[str, str], ...]:
    """The accelerator resources among a node's Ray resources, sorted, counts as text."""
    return tuple(
        sorted(
            (name, f"{float(count):g}")
            for name, count in resources.items()
            if (name in ACCELERATOR_RESOURCES or name.startswith("accelerator_type:")) and count
        )
    )


def _match_node_id(wanted: str, nodes: Sequence[NodeInfo]) -> NodeInfo:
    wanted = wanted.strip().lower()
    exact = [n for n in nodes if n.node_id == wanted]
    if exact:
        return exact[0]
    matches = [n for n in nodes if n.node_id.startswith(wanted)] if len(wanted) >= MIN_NODE_ID_PREFIX else []
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(n.node_id[:12] for n in nodes[:8]) + (", ..." if len(nodes) > 8 else "")
    problem = "matches several nodes" if matches else "is not a node of this cluster"
    raise RayClusterError(
        f"node id {wanted!r} {problem}; known nodes: {known} "
        f"(pass a full id or a unique prefix of at least {MIN_NODE_ID_PREFIX} characters)"
    )


def select_nodes(selection: NodeSelection = "all") -> Tuple[List[NodeInfo], List[Dict[str, str]]]:
    """The nodes to probe, and ``unreachable`` entries for requested nodes that are dead.

    ``selection`` is ``"all"`` (every alive node), ``"one"`` (a single alive node,
    a worker node when there is one) or a list of node ids (or unique prefixes).
    """
    if isinstance(selection, str) and selection in ("all", "one"):
        alive = list_alive_nodes()
        if not alive:
            raise RayClusterError("the Ray cluster reports no alive node; check `ray status`")
        if selection == "all":
            return alive, []
        workers = [n for n in alive if not n.is_head]
        return [(workers or alive)[0]], []
    if isinstance(selection, str):
        selection = [part for part in selection.split(",") if part.strip()]
    # Named nodes may be dead, which is worth saying: the whole table.
    nodes = list_nodes()
    chosen: Dict[str, NodeInfo] = {}
    for wanted in selection:
        node = _match_node_id(wanted, nodes)
        chosen[node.node_id] = node
    if not chosen:
        raise RayClusterError("no node ids given; pass 'all', 'one' or a list of node ids")
    targets = [n for n in chosen.values() if n.alive]
    dead = [n.unreachable("the node is dead (Ray reports it not alive)") for n in chosen.values() if not n.alive]
    return targets, dead


# --- probing --------------------------------------------------------------------------


def _first_line(text: str, limit: int = 300) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _headline(text: str, limit: int = 300) -> str:
    """The first line of ``text``, and when it only announces what follows (ends with
    ':'), the last line too: Ray Client's "Initialization failure from server:" is
    followed by the server's traceback, whose last line is the cause."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):
        return _first_line(f"{lines[0]} {lines[-1]}", limit)
    return _first_line(text, limit)


def _describe_error(exc: BaseException) -> str:
    """Ray's error in one line, with any URL credentials masked."""
    cause = getattr(exc, "cause", None)
    if isinstance(exc, ray.exceptions.RayTaskError) and isinstance(cause, BaseException):
        text = f"the probe raised {type(cause).__name__}: {_headline(str(cause))}"
    else:
        text = f"{type(exc).__name__}: {_headline(str(exc)) or 'no message'}"
    return mask_credentials(text)


def _failure(node: NodeInfo, error: BaseException) -> Dict[str, str]:
    """The ``unreachable`` entry for a probe that failed with ``error``. Ray's whole
    RuntimeEnvSetupError text goes to the core, which finds the pip/uv/conda cause in it
    and masks URL credentials."""
    if isinstance(error, ray.exceptions.RuntimeEnvSetupError):
        return node.unreachable(str(error), reason="runtime_env")
    return node.unreachable(_describe_error(error))


def _make_probe_task(
    take_snapshot: ProbeFunction, take_parts: Optional[PartsFunction] = None
) -> Callable[[Dict[str, Any], bool], Any]:
    # A nested function has no importable name, so cloudpickle ships its code; its only
    # globals are the closure's probe functions, shipped by value through their module,
    # a constant, and the json, hashlib and os modules. Workers without genevars run it.
    compact = (",", ":")

    def genevars_probe(options: Dict[str, Any], as_json: bool, secret_env: Optional[Dict[str, str]] = None) -> Any:
        # Secret variables of the runtime_env come here, not in the runtime_env (Ray writes
        # that, values included, to every node's runtime_env_agent.log): set for the
        # snapshot, then put back as they were (the worker process is reused).
        saved = {name: os.environ.get(name) for name in secret_env or ()}
        os.environ.update(secret_env or {})
        try:
            if as_json and take_parts is not None:
                snapshot, packages = take_parts(options)
            else:
                snapshot, packages = take_snapshot(options), None
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        # Ray's node id and address (in options) are authoritative; the probe's own
        # hostname is kept.
        node = options.get("origin") or {}
        origin = dict(snapshot.get("origin") or {})
        origin.update(node_id=node.get("node_id"), node_address=node.get("node_address"))
        if not origin.get("hostname"):
            origin["hostname"] = node.get("hostname") or None
        snapshot["origin"] = origin
        # What Ray schedules on this node, beside what the probe found on the machine.
        if options.get("ray_accelerators"):
            accelerators = dict(snapshot.get("accelerators") or {})
            accelerators["ray_resources"] = options["ray_accelerators"]
            snapshot["accelerators"] = accelerators
        if not as_json:
            return snapshot
        # As text, the snapshot goes to the comparison as it is: not pickled as a dict
        # of a thousand packages, unpickled on the driver and serialized there again.
        # The package list is the task's second return value, named by its digest in the
        # first: the nodes of a cluster mostly share one list, and the driver fetches one
        # copy of each (a large one stays in this node's object store until then).
        if packages is None:
            packages = json.dumps(snapshot.pop("packages", None), separators=compact, check_circular=False)
        rest = json.dumps(snapshot, separators=compact, check_circular=False)
        return (rest, hashlib.sha256(packages.encode()).hexdigest()), packages

    return genevars_probe


# The last probe functions' remote task, kept across calls: a new remote function each
# call is pickled and exported again, and every node's worker fetches and loads it again.
_probe_task_cache: Optional[Tuple[ProbeFunction, Optional[PartsFunction], Any]] = None


def _probe_task(take_snapshot: ProbeFunction, take_parts: Optional[PartsFunction] = None) -> Any:
    global _probe_task_cache
    cached = _probe_task_cache
    if cached is None or cached[0] is not take_snapshot or cached[1] is not take_parts:
        cached = _probe_task_cache = (take_snapshot, take_parts, ray.remote(_make_probe_task(take_snapshot, take_parts)))
    return cached[2]


@contextlib.contextmanager
def _pickled_by_value(module: ModuleType) -> Iterator[None]:
    """Have cloudpickle copy ``module``'s functions into the task instead of naming them."""
    from ray import cloudpickle

    already = module.__name__ in cloudpickle.list_registry_pickle_by_value()
    if not already:
        cloudpickle.register_pickle_by_value(module)
    try:
        yield
    finally:
        if not already:
            cloudpickle.unregister_pickle_by_value(module)


class _Progress:
    """Progress of a probe of more than a handful of nodes, on stderr.

    On a terminal, one live line (``genevars: probed 4,312/10,000 nodes, 2 unreachable``)
    rewritten in place: a carriage return, the text, and clear-to-end-of-line, so a
    shorter line leaves nothing of a longer one behind; at most ten rewrites a second.
    In a log (not a terminal), one line at the start, one each time another tenth of the
    nodes has answered, and the final count.
    """

    #: Seconds between two rewrites of the live line.
    INTERVAL = 0.1

    def __init__(self, total: int, stream: Any = None) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = total > PROGRESS_THRESHOLD
        self.live = self.enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self._tenths = 0
        self._shown = 0.0
        if self.enabled:
            self._write(f"genevars: probing {total:,} Ray nodes...", final=False)

    def _line(self, unreachable: int) -> str:
        tail = f", {unreachable:,} unreachable" if unreachable else ""
        return f"genevars: probed {self.done:,}/{self.total:,} nodes{tail}"

    def _write(self, text: str, final: bool) -> None:
        if self.live:
            self.stream.write(f"\r{text}\x1b[K" + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def step(self, failed: bool = False) -> None:
        """One more node answered (``failed``: with an error)."""
        self.done += 1
        self.failed += failed
        if not self.enabled:
            return
        if self.live:
            now = time.monotonic()
            if now - self._shown >= self.INTERVAL or self.done == self.total:
                self._shown = now
                self._write(self._line(self.failed), final=False)
        else:
            tenths = self.done * 10 // self.total
            if tenths > self._tenths and self.done < self.total:
                self._tenths = tenths
                self._write(self._line(self.failed), final=False)

    def finish(self, unreachable: int) -> None:
        """The final count, ``unreachable`` including the nodes that never answered."""
        if self.enabled:
            self._write(self._line(unreachable), final=True)


def _is_local_path(entry: Any) -> bool:
    return isinstance(entry, str) and "://" not in entry


def upload_local_paths(runtime_env: Dict[str, Any]) -> Dict[str, Any]:
    """Upload the local directories and files of ``py_modules`` / ``working_dir``.

    Ray uploads local paths only for a whole job (``ray.init(runtime_env=...)``) and
    refuses them on a single task; the probes are tasks, so a manifest that ships local
    code is uploaded here the way ``ray.init`` does it, and its entries become the URIs
    Ray accepts per task. Entries that are already URIs are left as they are.
    """
    wants_upload = any(_is_local_path(m) for m in runtime_env.get("py_modules") or ()) or (
        _is_local_path(runtime_env.get("working_dir"))
    )
    if not wants_upload:
        return runtime_env
    try:
        from ray._private.runtime_env.py_modules import upload_py_modules_if_needed
        from ray._private.runtime_env.working_dir import upload_working_dir_if_needed
    except ImportError:  # pragma: no cover - depends on the Ray version
        raise ValueError(
            "this Ray version cannot upload local py_modules / working_dir for single "
            "tasks; start the job with ray.init(runtime_env=manifest.to_runtime_env()) "
            "and compare without manifest="
        ) from None
    uploaded = dict(runtime_env)
    for upload in (upload_py_modules_if_needed, upload_working_dir_if_needed):
        kwargs: Dict[str, Any] = {}
        # Newer Ray versions take include_gitignore; older ones do not.
        if "include_gitignore" in inspect.signature(upload).parameters:
            kwargs["include_gitignore"] = True
        try:
            uploaded = upload(uploaded, **kwargs)
        except (ValueError, TypeError, OSError) as exc:
            raise ValueError(
                f"Ray refused the runtime_env: its local paths could not be uploaded: {mask_credentials(_first_line(str(exc)))}"
            ) from None
    return uploaded


@overload
def probe_nodes(
    targets: Sequence[NodeInfo],
    options: Dict[str, Any],
    take_snapshot: ProbeFunction,
    *,
    runtime_env: Optional[Dict[str, Any]] = None,
    timeout: float = 60.0,
    as_json: Literal[False] = False,
    take_parts: Optional[PartsFunction] = None,
) -> Tuple[List[Dict[str, Any]], List[Dict[str, str]]]: ...


@overload
def probe_nodes(
    targets: Sequence[NodeInfo],
    options: Dict[str, Any],
    take_snapshot: ProbeFunction,
    *,
    runtime_env: Optional[Dict[str, Any]] = None,
    timeout: float = 60.0,
    as_json: Literal[True],
    take_parts: Optional[PartsFunction] = None,
) -> Tuple[NodeParts, List[Dict[str, str]]]: ...


def probe_nodes(
    targets: Sequence[NodeInfo],
    options: Dict[str, Any],
    take_snapshot: ProbeFunction,
    *,
    runtime_env: Optional[Dict[str, Any]] = None,
    timeout: float = 60.0,
    as_json: bool = False,
    take_parts: Optional[PartsFunction] = None,
) -> Tuple[Union[List[Dict[str, Any]], NodeParts], List[Dict[str, str]]]:
    """Run ``take_snapshot(options)`` on every target node at once.

    Each probe is a task pinned to its node (hard node affinity), asking for no CPU so
    that a cluster whose CPUs are all busy still answers, and never retried. Returns the
    snapshots (each with ``origin`` naming its node) and ``unreachable`` entries for the
    nodes whose probe failed, whose node died, or that did not answer within ``timeout``
    seconds. With ``as_json``, the snapshots come as the comparison takes them: a
    :class:`NodeParts`, each node's JSON text without its package list and each distinct
    list once (made by ``take_parts`` when given: the same snapshot without a dict per
    package).

    >>> snapshots, unreachable = probe_nodes(select_nodes()[0], options, take_snapshot)  # doctest: +SKIP
    """
    return start_probes(
        targets,
        options,
        take_snapshot,
        runtime_env=runtime_env,
        timeout=timeout,
        as_json=as_json,
        take_parts=take_parts,
    ).collect()


def start_probes(
    targets: Sequence[NodeInfo],
    options: Dict[str, Any],
    take_snapshot: ProbeFunction,
    *,
    runtime_env: Optional[Dict[str, Any]] = None,
    timeout: float = 60.0,
    as_json: bool = False,
    take_parts: Optional[PartsFunction] = None,
) -> Probes:
    """:func:`probe_nodes` in two steps: this submits the probes and returns at once;
    ``.collect()`` waits for their answers (``timeout`` counts from here). What the driver
    does in between overlaps the nodes' work.

    >>> probes = start_probes(select_nodes()[0], options, take_snapshot)  # doctest: +SKIP
    >>> local = take_snapshot(options)                                    # doctest: +SKIP
    >>> snapshots, unreachable = probes.collect()                         # doctest: +SKIP
    """
    task = _probe_task(take_snapshot, take_parts if as_json else None)
    secret_env = None
    if runtime_env is not None:
        runtime_env, secrets = split_secret_env(runtime_env)
        runtime_env = upload_local_paths(runtime_env)
        # In the object store, not in the task's spec: Ray hands it to the probe as an argument.
        secret_env = ray.put(secrets) if secrets else None
    probes = Probes(targets, as_json, timeout)
    with _pickled_by_value(sys.modules[take_snapshot.__module__]):
        for node in targets:
            task_options: Dict[str, Any] = {
                "scheduling_strategy": NodeAffinitySchedulingStrategy(node.node_id, soft=False),
                "num_cpus": 0,
                "max_retries": 0,
                "name": "genevars-probe",
                "num_returns": 2 if as_json else 1,
            }
            if runtime_env is not None:
                task_options["runtime_env"] = runtime_env
            node_options = dict(options, origin=node.origin(), ray_accelerators=dict(node.accelerators))
            try:
                refs = task.options(**task_options).remote(node_options, as_json, secret_env)
            except (ValueError, TypeError) as exc:  # Ray validates the runtime_env here
                probes.cancel()
                raise ValueError(
                    f"Ray refused the runtime_env: {mask_credentials(_first_line(str(exc)))}"
                ) from None
            if as_json:
                refs, probes.package_lists[node.node_id] = refs
            probes.pending[refs] = node
    return probes


class Probes:
    """Probes submitted by :func:`start_probes`, until ``collect()`` gathers them."""

    def __init__(self, targets: Sequence[NodeInfo], as_json: bool, timeout: float) -> None:
        self.targets = list(targets)
        self.as_json = as_json
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.pending: Dict[Any, NodeInfo] = {}
        self.package_lists: Dict[str, Any] = {}  # node id -> ref of its package list (as_json)

    def cancel(self) -> None:
        """Stops every probe still running (when the caller gives up on them)."""
        for ref in self.pending:
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)

    def collect(self) -> Tuple[Union[List[Dict[str, Any]], NodeParts], List[Dict[str, str]]]:
        """The snapshots and unreachable nodes, as :func:`probe_nodes` returns them."""
        if self.as_json:
            return self.collect_parts()
        snapshots, unreachable = self._answers()
        return [snapshot for _, snapshot in snapshots], unreachable

    def collect_parts(self) -> Tuple[NodeParts, List[Dict[str, str]]]:
        """With ``as_json``: the answers as ``_core.compare_nodes`` takes them without
        joining each node's text to its package list, so the driver holds one copy of
        each distinct list however many nodes share it."""
        if not self.as_json:
            raise ValueError("collect_parts() needs probes started with as_json=True")
        answers, unreachable = self._answers()
        nodes = {n.node_id: n for n in self.targets}
        lists = _fetch_package_lists(dict(answers), self.package_lists, nodes, unreachable, self.deadline)
        index = {digest: i for i, digest in enumerate(lists)}
        parts = NodeParts([], list(lists.values()), [])
        for _, (rest, digest) in answers:
            if digest in index:
                parts.rests.append(rest)
                parts.list_of.append(index[digest])
        return parts, unreachable

    def _answers(self) -> Tuple[List[Tuple[str, Any]], List[Dict[str, str]]]:
        """The probes' answers in target order, by node id (with ``as_json``, ``(rest,
        digest)`` pairs), and the unreachable nodes."""
        pending = self.pending
        snapshots: Dict[str, Any] = {}
        unreachable: List[Dict[str, str]] = []
        progress = _Progress(len(self.targets))
        while pending:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                break
            # One wait for every answer: each ray.wait and ray.get is a round trip through
            # the core worker, paid per node otherwise. With progress shown, the wait
            # returns what has answered every half second.
            wait = min(remaining, 0.5) if progress.enabled else remaining
            ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=wait)
            for ref, answer in _get_each(ready):
                node = pending.pop(ref)
                progress.step(failed=isinstance(answer, _Failed))
                if isinstance(answer, _Failed):  # no runtime_env, the node died, the probe raised
                    unreachable.append(_failure(node, answer.error))
                else:
                    snapshots[node.node_id] = answer
        self.cancel()
        for node in pending.values():
            unreachable.append(
                node.unreachable(
                    f"no answer within {self.timeout:g} s (node overloaded or lost, or its "
                    "runtime_env still being set up); raise the timeout to wait longer"
                )
            )
        pending.clear()
        progress.finish(len(unreachable))
        return [(n.node_id, snapshots[n.node_id]) for n in self.targets if n.node_id in snapshots], unreachable


@dataclass
class NodeParts:
    """Node snapshots as the probes send them: ``rests[i]`` is node ``i``'s snapshot text
    without ``"packages"``, and its package list is ``lists[list_of[i]]``."""

    rests: List[str]
    lists: List[str]
    list_of: List[int]


@dataclass(frozen=True)
class _Failed:
    """The exception ``ray.get`` raised for one answer."""

    error: BaseException


def _get_each(refs: List[Any]) -> List[Tuple[Any, Any]]:
    """``(ref, value or _Failed)`` for each ready ref: one ``ray.get`` for all of them,
    and one per ref only when some answer is an error (to tell which)."""
    if not refs:
        return []
    try:
        return list(zip(refs, ray.get(refs)))
    except Exception:  # noqa: BLE001 - sorted out one by one below
        pass
    answers: List[Tuple[Any, Any]] = []
    for ref in refs:
        try:
            answers.append((ref, ray.get(ref)))
        except Exception as exc:  # noqa: BLE001
            answers.append((ref, _Failed(exc)))
    return answers


def snapshot_text(snapshot: Dict[str, Any], packages: str) -> str:
    """The JSON text of a snapshot given without its ``"packages"`` (as a dict) and that
    package list as JSON text: what ``_probe.take_snapshot_parts`` returns."""
    if not snapshot:
        raise ValueError("snapshot_text: the snapshot has no fields")
    # The list goes last, as JSON text: no dict is built for each package.
    return f"{json.dumps(snapshot, separators=(',', ':'), check_circular=False)[:-1]},\"packages\":{packages}}}"


def _driver_node_id() -> Optional[str]:
    """The id of the node this process is attached to, or None when Ray cannot say."""
    try:
        node_id: Optional[str] = ray.get_runtime_context().get_node_id()
        return node_id
    except Exception:  # noqa: BLE001 - only an ordering preference depends on it
        return None


def _fetch_package_lists(
    answers: Dict[str, Tuple[str, str]],
    package_lists: Dict[str, Any],
    nodes: Dict[str, NodeInfo],
    unreachable: List[Dict[str, str]],
    deadline: float,
) -> Dict[str, str]:
    """One copy of each distinct package list (by digest) named in the probes' ``(rest,
    digest of the package list)`` answers, fetched by the refs of their lists (from
    another node with the same list when one copy cannot be fetched); a node whose list
    could not be fetched is added to ``unreachable``."""
    # This process's own node first: its copy is read from shared memory, another
    # node's is sent over first.
    here = _driver_node_id()
    refs: Dict[str, List[Any]] = {}
    for node_id, (_, digest) in sorted(answers.items(), key=lambda item: item[0] != here):
        refs.setdefault(digest, []).append(package_lists[node_id])
    lists: Dict[str, str] = {}
    errors: Dict[str, str] = {}
    with contextlib.suppress(Exception):  # all at once; one by one if that fails
        first = ray.get([c[0] for c in refs.values()], timeout=_left(deadline))
        lists = dict(zip(refs, first))
    for digest, candidates in refs.items():
        for ref in candidates:
            if digest in lists:
                break
            try:
                lists[digest] = ray.get(ref, timeout=_left(deadline))
            except Exception as exc:  # the node or worker holding it died, or time ran out
                errors[digest] = _describe_error(exc)
    for node_id, (_, digest) in answers.items():
        if digest not in lists:
            unreachable.append(nodes[node_id].unreachable(f"its package list could not be fetched: {errors[digest]}"))
    return lists
