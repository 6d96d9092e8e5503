"""Typed surface of the native module ``genevars._core``. Keep in step with src/python/."""

import os
from typing import Any, Literal, final

__version__: str

class GenevarsError(Exception): ...
class SnapshotError(GenevarsError): ...
class ComparisonError(GenevarsError): ...
class ManifestError(GenevarsError): ...
class RuleError(GenevarsError): ...
class ClusterError(GenevarsError): ...

# --- secrets (src/python/redact.rs) ---
WITHHELD: str

def secret_rules() -> dict[str, list[str]]:
    """The secret-detection table: key_patterns, key_exceptions, url_patterns, value_patterns."""

def is_secret_key(name: str) -> bool:
    """True when a variable of this name holds a secret."""

def is_secret_value(value: str) -> bool:
    """True when the value is a secret by its shape (JWT, PEM private key, known token prefix,
    JSON with a password field), whatever its variable is called."""

def mask_credentials(value: str) -> str:
    """The value with URL credentials masked (unchanged when there are none)."""

def display_value(key: str, value: str) -> str:
    """What may be shown of a variable's value: withheld for a secret key, else masked."""

def fingerprint(key: bytes, value: str) -> str:
    """``hmac-sha256:<32 hex>`` of ``value`` under ``key``."""

# --- snapshots (src/python/snapshot.rs) ---
SCAN_PROTOCOL: int

def scan_paths(paths: list[str]) -> dict[str, Any]:
    """Scan path entries in order: ``{"packages": [...], "unreadable": [...]}``.

    Never raises for what it finds on disk: unreadable entries carry a reason.
    """

def installed_versions(paths: list[str]) -> dict[str, str]:
    """``{normalized name: version}`` of the first distribution of each name on ``paths``,
    reading each metadata file only as far as its Version; unreadable ones are left out.
    """

def validate_snapshot(text: str, source: str = "<string>", indent: int | None = None) -> str:
    """Validate snapshot JSON and return it normalized (defaults filled in): one line with
    no spaces, or ``indent`` spaces per level (as ``json.dumps(..., indent=indent,
    ensure_ascii=False)`` writes it).

    Raises SnapshotError with one line naming ``source`` and the problem.
    """

# --- native snapshot JSON (src/python/snapshot.rs, src/snapshot/write.rs) ---
# Scan and write the snapshot text without building a Python object per package:
#     parts = {...every snapshot field but the scan's..., "packages": None, "unreadable": None}
#     text = _core.snapshot_json(json.dumps(parts), paths, indent=2)
# gives json.dumps(snapshot, indent=2, ensure_ascii=False) of the snapshot with the scan
# in place of the two placeholders (appended when `parts` lacks them); object key order
# is kept as given. Without indent: one line, no spaces. A `parts` that is not a JSON
# object raises SnapshotError.

@final  # a PyO3 class: not subclassable
class NativeScan:
    """A scan kept in native memory (``scan_native``); it runs on a thread of its own
    until first used. A failed scan thread raises SnapshotError on use."""

    @property
    def package_count(self) -> int: ...
    @property
    def unreadable_count(self) -> int: ...
    def snapshot_json(self, parts: str, indent: int | None = None) -> str:
        """The snapshot JSON text of ``parts`` with this scan's packages and unreadable entries."""
    def write_snapshot(self, parts: str, fd: int, indent: int | None = None, end: str = "") -> None:
        """Writes ``snapshot_json(parts, indent)`` and ``end`` to the open descriptor ``fd``
        as UTF-8 (left open), never as a Python string; OSError when the write fails."""

def scan_native(paths: list[str]) -> NativeScan:
    """Starts scanning path entries in order, like ``scan_paths``, on a thread of its own
    (this returns at once), keeping the result native."""

def snapshot_json(parts: str, paths: list[str], indent: int | None = None) -> str:
    """``scan_native(paths).snapshot_json(parts, indent)``."""

def tree_evidence(
    paths: list[str], absolute: list[str]
) -> list[tuple[Literal["python", "pypy", "tag"], int, int] | tuple[Literal["platform"], str, str]]:
    """What a tree scanned without its interpreter says about its Python and platform, in
    the order met: ``("python" | "pypy", major, minor)`` from a path of ``absolute`` (the
    entries as ``os.path.abspath`` gives them), then, from the top level of each of
    ``paths``, ``("tag", major, minor)`` and ``("platform", system, machine)`` of compiled
    modules and WHEEL files, until the evidence is plain. Never raises for what it finds."""

def wheel_platform(tag: str) -> tuple[str, str] | None:
    """``(system, machine)`` of a wheel platform tag (``manylinux_2_17_x86_64``:
    ``("Linux", "x86_64")``), or None for ``any`` and tags naming no single platform."""

# --- dependency analysis (src/python/deps.rs) ---
# Snapshots go in as JSON text; results come back as JSON text (lists of Finding dicts,
# or the closure object) for the Python side to json.loads.

@final  # a PyO3 class: not subclassable
class Rules:
    """A set of dependency rules: the bundled rules.toml, user files, or both."""

    @staticmethod
    def bundled() -> Rules:
        """The rules shipped with genevars."""
    @staticmethod
    def parse(text: str, source: str = "<string>") -> Rules:
        """Parse rules TOML text; raises RuleError naming ``source``, the line and the reason."""
    @staticmethod
    def load(path: str) -> Rules:
        """Read and parse a rules file; raises RuleError."""
    def extended(self, other: Rules) -> Rules:
        """These rules followed by ``other``'s; ``other`` replaces rules with the same id."""
    def ids(self) -> list[str]: ...
    def __len__(self) -> int: ...

def env_findings(snapshot_json: str, rules: Rules, imported: list[str] | None = None) -> str:
    """Requirement and rule findings of one environment (JSON list)."""

def pair_findings(
    local_json: str, remote_json: str, rules: Rules, imported: list[str] | None = None
) -> str:
    """Requirement and rule findings between the driver and one group of workers (JSON list)."""

def manifest_findings(
    remote_json: str, pins: list[str], rules: Rules, local_json: str | None = None
) -> str:
    """What a manifest's pins break (errors) or fix (info) on the workers (JSON list)."""

@final  # a PyO3 class: not subclassable
class DependencyCheck:
    """The findings of a dependency check; wrapped by ``genevars.DependencyCheck``."""

    def report(self) -> str:
        """One line per finding, most severe first, with its hint (controls escaped)."""
    def headline(self) -> str:
        """``genevars check: OK|PROBLEMS FOUND: <counts by severity>``."""
    def to_json(self, indent: int | None = 2) -> str:
        """``genevars.dependencies/1`` JSON, indented by ``indent`` (one line when None)."""
    def findings_json(self) -> str:
        """The findings alone (JSON list)."""
    def __len__(self) -> int: ...

def check_requirements(
    local_json: str,
    rules: Rules,
    imported: list[str] | None = None,
    remote_json: str | None = None,
    pins: list[str] | None = None,
) -> DependencyCheck:
    """Findings of ``local`` (with ``remote``: between the two) plus what ``pins`` break."""

def check_manifest(
    remote_json: str, pins: list[str], rules: Rules, local_json: str | None = None
) -> DependencyCheck:
    """What a manifest's pins break (errors) or fix (info) on the workers."""

def requirement_problems(snapshot_json: str) -> str:
    """The raw requirement problems of one environment, pip check's view (JSON list)."""

def requirement_closure(source_json: str, roots: list[str], target_json: str | None = None) -> str:
    """Closure of ``roots`` over ``source``'s metadata with ``target``'s markers (JSON:
    ``{"needed": [...], "not_installed": [...], "installed": N}``)."""

# --- manifests (src/python/manifest.rs) ---
MANIFEST_SCHEMA: str

@final  # a PyO3 class: not subclassable
class NativeManifest:
    """A validated, immutable manifest (wrapped by ``genevars.Manifest``)."""

    @staticmethod
    def build(spec_json: str) -> tuple[NativeManifest, list[str]]:
        """Validate builder JSON, reading the files it names; returns the manifest and its
        unpinned requirements. Raises ManifestError."""
    @staticmethod
    def from_json(json: str) -> NativeManifest:
        """Load manifest JSON written by ``to_json``. Raises ManifestError."""
    @property
    def name(self) -> str: ...
    @property
    def checksum(self) -> str:
        """Hex sha256 of ``canonical_json()``."""
    @property
    def env_from_local(self) -> list[str]: ...
    def to_json(self, reveal_values: bool = False) -> str: ...
    def canonical_json(self) -> str: ...
    def runtime_env_json(self, local: dict[str, str]) -> str:
        """The runtime_env as JSON; ``local`` holds the env_from_local values. Raises ManifestError."""
    def to_python(self, reveal_values: bool = False) -> str: ...
    def to_requirements_txt(self, reveal_values: bool = False) -> str: ...

@final  # a PyO3 class: not subclassable
class NativeFix:
    """What a fix puts in a manifest; ``genevars._manifest.fix_manifest_builder`` wraps it
    into a ``ManifestBuilder``."""

    @property
    def pins(self) -> list[str]:
        """``name==version`` pins, sorted by name."""
    @property
    def extra_index_urls(self) -> list[str]:
        """Vendor indexes the pins need (``--extra-index-url``)."""
    @property
    def env_from_local(self) -> list[str]:
        """Variables set only locally, to pass with ``env_from_local``."""
    @property
    def advice(self) -> list[str]:
        """What the manifest cannot do, and what to do instead."""
    @property
    def installer(self) -> Literal["pip", "uv"]:
        """``"uv"`` where every compared node group can install with uv, else ``"pip"``."""

def fix_from_comparison(comparison: Comparison) -> NativeFix:
    """The fix for a native comparison (advice masked unless it was made with reveal_values)."""

def fix_from_json(comparison_json: str) -> NativeFix:
    """The fix for comparison JSON (``to_dict()``, or geneva's keys only). Raises ManifestError."""

# --- comparison (src/python/compare.rs) ---
COMPARISON_SCHEMA: str

@final  # a PyO3 class: not subclassable
class Comparison:
    """A finished comparison; wrapped by ``genevars.ComparisonResult``."""

    @property
    def summary(self) -> dict[str, int]: ...
    @property
    def ok(self) -> bool: ...
    @property
    def nothing_compared(self) -> bool: ...
    def incomplete_json(self) -> str | None: ...
    @property
    def kind(self) -> str:
        """``pair``, ``nodes`` or ``many``."""
    def to_json(self, pretty: bool = True) -> str:
        """Comparison JSON (``genevars.comparison/1``)."""
    def report(self, show_all: bool = False, color: bool = False) -> str:
        """The text report."""
    def html(self, show_all: bool = False) -> str:
        """An HTML table of the findings, errors first."""
    def findings_json(self) -> str:
        """The findings alone, as a JSON list."""

def compare(
    local_json: str,
    remote_json: str,
    env_prefix: str | None = None,
    include_sys_path: bool = True,
    *,
    local_name: str = "local snapshot",
    remote_name: str = "remote snapshot",
    reveal_values: bool = False,
) -> Comparison:
    """Compare two snapshots given as JSON text. Raises SnapshotError for invalid input.
    ``reveal_values`` shows the plain values the snapshots hold instead of withholding
    secrets (values withheld at capture stay withheld)."""

def compare_nodes(
    local_json: str,
    nodes: list[str],
    unreachable: list[dict[str, str | None]] = ...,
    env_prefix: str | None = None,
    include_sys_path: bool = True,
    *,
    reveal_values: bool = False,
    package_lists: list[str] | None = None,
    node_lists: list[int] | None = None,
) -> Comparison:
    """Compare local with every node snapshot; nodes with identical environments are grouped.
    ``unreachable`` items are ``{"node_id", "node_address", "error"}``. Each distinct
    package list (by its text) is parsed once, so thousands of nodes sharing a few
    environments cost little more than their JSON text. With ``package_lists`` (the
    distinct package lists as JSON text) and ``node_lists``, ``nodes[i]`` is a snapshot
    without ``"packages"`` whose list is ``package_lists[node_lists[i]]``: what the Ray
    probes send, one copy of each list on the driver. Variables unique to (nearly) every
    node are learned as per-node identity (``per_node`` findings, ``expected``)."""

def compare_many(
    snapshots: list[str],
    labels: list[str] | None = None,
    env_prefix: str | None = None,
    include_sys_path: bool = True,
    *,
    reveal_values: bool = False,
) -> Comparison:
    """Compare the first snapshot with each of the others, with a packages x environments matrix."""

def environment_fingerprint(
    snapshot_json: str, env_prefix: str | None = None, include_sys_path: bool = True
) -> str:
    """The fingerprint that groups nodes with identical environments."""

def read_input(path: str | os.PathLike[str], kind: str) -> str:
    """The UTF-8 text of a regular file read as ``kind`` (``snapshot``, ``manifest``,
    ``rules``, ``requirements``, ``conda``, ``runtime_env``): at most the kind's size
    limit is read, a FIFO, device or directory is refused without blocking, a UTF-8 BOM
    is dropped. Raises the kind's error (SnapshotError, ManifestError, RuleError, else
    GenevarsError) with one line naming the file."""

def escape_controls(text: str) -> str:
    """``text`` with control characters, line separators and bidi controls written as
    visible escapes (``\\x1b``, ``\\n``, ``\\u202e``), as every text report writes them."""

# --- explaining an error (src/python/explain.rs) ---
def explain_error(comparison: Comparison, error: str) -> str:
    """JSON of the findings of ``comparison`` ranked by how likely each caused ``error``
    (a traceback's text): ``error``, ``explained``, ``causes`` (``finding``, ``score``,
    ``reasons``, ``because``), ``direction``, ``unmatched_symptoms``, ``cannot_see``, ``text``."""

# --- finding codes (src/python/codes.rs, src/finding/code.rs) ---
def list_codes() -> list[dict[str, Any]]:
    """One dict per finding code: ``code``, ``category``, ``section``, ``severity_from``,
    ``counts_in_fingerprint`` (None for ``drift.<code>``), ``fix``, ``description``."""

# --- saved interpreter descriptions (src/python/described.rs, src/snapshot/described.rs) ---
DESCRIPTION_CACHE_FORMAT: int

def description_cache(exe: str, environ: list[tuple[bytes, bytes]] | None = None) -> tuple[str, str] | None:
    """``(file, key_json)`` of the saved description of ``exe`` in this process's
    setting (``environ``: ``os.environb``'s items, else the C environment), or None
    when none is kept (see ``_interpreter.DescriptionCache``)."""

def load_description(exe: str, environ: list[tuple[bytes, bytes]] | None = None) -> str | None:
    """The saved description of ``exe`` as JSON text, or None when there is none or it
    may be stale."""

def described_parts(facts: str, environ: list[tuple[bytes, bytes]] | None = None) -> str | None:
    """The JSON text of every field but the scan's of the snapshot of the interpreter
    ``facts`` (JSON) describes, made in this process's surroundings (``environ`` as
    above), as ``json.dumps(parts)`` writes it; None where it is left to Python."""
