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

# --- snapshots (src/python/snapshot.rs) ---
SCAN_PROTOCOL: int

def scan_paths(paths: list[str]) -> str:
    """Scan path entries in order; JSON ``{"packages": [...], "unreadable": [...]}``.

    Never raises for what it finds on disk: unreadable entries carry a reason.
    """

def validate_snapshot(text: str, source: str = "<string>") -> str:
    """Validate snapshot JSON and return it normalized (defaults filled in).

    Raises SnapshotError with one line naming ``source`` and the problem.
    """
