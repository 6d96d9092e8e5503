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

# --- manifests (src/python/manifest.rs) ---
MANIFEST_SCHEMA: str

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

def manifest_fix_rules() -> dict[str, list[str]]:
    """What a fix leaves alone: ``never_pin``, ``session_env``, ``ship_env`` globs."""
