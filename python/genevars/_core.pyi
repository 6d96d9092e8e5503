"""Typed surface of the native module ``genevars._core``. Keep in step with src/python/."""

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
    """The secret-detection table: key_patterns, key_exceptions, url_query_params."""

def is_secret_key(name: str) -> bool:
    """True when a variable of this name holds a secret."""

def mask_credentials(value: str) -> str:
    """The value with URL credentials masked (unchanged when there are none)."""

def display_value(key: str, value: str) -> str:
    """What may be shown of a variable's value: withheld for a secret key, else masked."""

def fingerprint(key: bytes, value: str) -> str:
    """``hmac-sha256:<32 hex>`` of ``value`` under ``key``."""

# --- comparison (src/python/compare.rs) ---
COMPARISON_SCHEMA: str

class Comparison:
    """A finished comparison; wrapped by ``genevars.ComparisonResult``."""

    @property
    def summary(self) -> dict[str, int]: ...
    @property
    def ok(self) -> bool: ...
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
) -> Comparison:
    """Compare two snapshots given as JSON text. Raises SnapshotError for invalid input."""

def compare_nodes(
    local_json: str,
    nodes: list[str],
    unreachable: list[dict[str, str | None]] = ...,
    env_prefix: str | None = None,
    include_sys_path: bool = True,
) -> Comparison:
    """Compare local with every node snapshot; nodes with identical environments are grouped.
    ``unreachable`` items are ``{"node_id", "node_address", "error"}``."""

def compare_many(
    snapshots: list[str],
    labels: list[str] | None = None,
    env_prefix: str | None = None,
    include_sys_path: bool = True,
) -> Comparison:
    """Compare the first snapshot with each of the others, with a packages x environments matrix."""

def environment_fingerprint(
    snapshot_json: str, env_prefix: str | None = None, include_sys_path: bool = True
) -> str:
    """The fingerprint that groups nodes with identical environments."""
