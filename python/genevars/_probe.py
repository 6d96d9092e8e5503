"""Take a snapshot of the running interpreter. Standard library only.

This module is shipped *by value* to Ray workers, where genevars may not be installed
(that is often the very problem being diagnosed), and it runs under other interpreters
for ``genevars snapshot --python EXE``. So: no genevars import at module level, nothing
newer than Python 3.8, no third-party package.

    >>> from genevars import _core
    >>> from genevars._probe import take_snapshot
    >>> snap = take_snapshot({"secret_rules": _core.secret_rules()})
    >>> snap["schema"]
    'genevars.snapshot/1'

It scans with the native scanner (``genevars._core.scan_paths``) when that is importable
and speaks the same protocol, and otherwise with the pure-Python scanner below, which
finds the same packages and records the same unreadable entries with the same reasons
(``src/snapshot/scan.rs`` and ``src/snapshot/metadata.rs`` are the reference; keep the
two in step).

As a script, ``python _probe.py --describe`` prints what a snapshot needs to know about
this interpreter (sys.path, markers, platform, python) as JSON.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import sys

# Not `typing.TYPE_CHECKING`: importing typing costs every probe and snapshot a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Mapping, NoReturn

    from genevars._core import NativeScan

# fnmatch, hmac (OpenSSL), platform, socket and sysconfig are imported where they are
# used: `genevars snapshot --python` with the interpreter's description cached needs none
# of them, and describing an interpreter needs neither hmac nor socket.

SCHEMA = "genevars.snapshot/1"
#: How to read ``_core.scan_paths`` output, by ``_core.SCAN_PROTOCOL``: 1 returned JSON
#: text (genevars 0.1.0 before the scan returned objects), 2 returns the dict itself. A
#: worker's genevars may be older or newer than the driver's; an unknown protocol means
#: the stdlib scanner.
SCAN_DECODERS: dict[int, Callable[[Any], Any]] = {1: json.loads, 2: lambda scanned: scanned}
#: At most this much of a metadata file is read looking for the end of its headers.
HEADER_LIMIT = 1 << 20
SMALL_FILE_LIMIT = 1 << 20
_CHUNK = 8 * 1024

MASK = "***"
FINGERPRINT_PREFIX = "hmac-sha256:"
#: json.dumps separators of the text a probe sends (no spaces: less to send and parse).
COMPACT = (",", ":")

# Whitespace as Rust's char::is_whitespace sees it (masking must agree with the core).
_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Whitespace trimmed from metadata values: the ASCII set of bytes.strip().
_BYTES_WS = b" \t\r\n\x0b\x0c"
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_ASCII_UPPER = {c: c - 32 for c in range(ord("a"), ord("z") + 1)}
# PEP 508 distribution names; the same rule pep508_rs applies.
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
_SEPARATORS = re.compile(r"[-_.]+")
_ZIP_EXTENSIONS = ("zip", "egg", "whl", "pyz")


def normalized_name(name: str) -> str:
    """A distribution name as PEP 503 compares it: ``PyYAML`` and ``pyyaml`` alike."""
    return _SEPARATORS.sub("-", name).lower()


# --------------------------------------------------------------------------- entry point


def take_snapshot(options: dict[str, Any]) -> dict[str, Any]:
    """Snapshot this interpreter as ``genevars.snapshot/1`` JSON (a dict).

    Options: ``secret_rules`` (required: the dict of ``genevars._core.secret_rules()``),
    ``paths`` (list of path entries to scan; ``None`` scans ``sys.path``),
    ``fingerprint_key`` (hex string: withheld values get a keyed fingerprint),
    ``reveal_values`` (store plain values), ``use_native`` (try the Rust scanner first;
    default true), ``origin`` (dict recorded as the snapshot's origin; hostname and pid
    are filled in when missing), ``tool_version`` (the genevars version that asked) and
    ``described`` (``describe()`` of another interpreter, whose python, platform, markers
    and genevars version are recorded instead of this one's), ``accelerator_root`` (the
    root /proc and PATH are read from for ``accelerator_facts``; default ``/``).
    """
    rules, paths, key, reveal = _snapshot_inputs(options)
    scan, scanner = scan_entries(paths, rules, options.get("use_native", True))
    return _assemble(options, rules, paths, key, reveal, scan, scanner)


def take_snapshot_parts(options: dict[str, Any]) -> tuple[Any, ...]:
    """``(snapshot, packages)``: ``take_snapshot(options)`` without its ``"packages"``,
    and that package list as compact JSON text.

    What a Ray probe sends back: the list is most of a snapshot's bytes, and when the
    native scanner can write it as text (``_core.scan_native``), no dict is built for
    each package only to be serialized again.
    """
    rules, paths, key, reveal = _snapshot_inputs(options)
    use_native = options.get("use_native", True)
    # The native scan runs on a thread of its own while the rest is gathered here.
    scanning = _start_native_scan(paths) if use_native else None
    snapshot = _assemble(options, rules, paths, key, reveal, {"packages": None, "unreadable": None}, "native")
    native = _native_scan_text(scanning) if scanning is not None else None
    if native is not None:
        snapshot["unreadable"], packages = native
    else:
        scan, snapshot["created_by"]["scanner"] = scan_entries(paths, rules, use_native)
        snapshot["unreadable"] = scan["unreadable"]
        packages = json.dumps(scan["packages"], separators=COMPACT, check_circular=False)
    del snapshot["packages"]
    return snapshot, packages


def _snapshot_inputs(options: dict[str, Any]) -> tuple[Any, ...]:
    """``(rules, paths, key, reveal)`` from take_snapshot's options, checked."""
    rules = options.get("secret_rules")
    if not isinstance(rules, dict):
        raise ValueError(
            "take_snapshot: options['secret_rules'] is required "
            "(pass genevars._core.secret_rules())"
        )
    paths = options.get("paths")
    if paths is None:
        paths = [entry for entry in sys.path if isinstance(entry, str)]
    else:
        paths = [os.fspath(entry) for entry in paths]
    key_hex = options.get("fingerprint_key")
    key = bytes.fromhex(key_hex) if key_hex else None
    return rules, paths, key, bool(options.get("reveal_values", False))


def _assemble(options: dict[str, Any], rules: dict[str, Any], paths: list[Any], key: bytes | None, reveal: bool, scan: dict[str, Any], scanner: str) -> dict[str, Any]:
    # Another interpreter's facts (``--python``) replace this one's, which are then not
    # computed at all (platform_info() starts a `uname -p`).
    facts = options.get("described") or _interpreter_facts()
    env = capture_env(os.environ, rules, key, reveal)
    snapshot = assemble_snapshot(
        facts, env, paths, scan, scanner, options.get("tool_version"), options.get("origin"), rules, reveal, key
    )
    return add_node_facts(snapshot, options, rules, key)


def add_node_facts(snapshot: dict[str, Any], options: dict[str, Any], rules: dict[str, Any], key: bytes | None) -> dict[str, Any]:
    """Adds what the node has besides Python: its accelerators (``accelerator_root``
    option) and the credential files (``credential_sources`` option). Returns it."""
    accelerators = accelerator_facts(options.get("accelerator_root") or "/")
    if accelerators is not None:
        snapshot["accelerators"] = accelerators
    snapshot["credential_files"] = credential_files(
        os.environ, rules, key, options.get("credential_sources")
    )
    return snapshot


# Credential files at their standard places: (name, variable that moves it, path under HOME).
CREDENTIAL_FILES = (
    ("~/.aws/credentials", "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
    ("~/.aws/config", "AWS_CONFIG_FILE", ".aws/config"),
    ("~/.config/gcloud/application_default_credentials.json", None, ".config/gcloud/application_default_credentials.json"),
    ("~/.azure/azureProfile.json", None, ".azure/azureProfile.json"),
    ("~/.netrc", "NETRC", ".netrc"),
)
# Variables whose value names a file or directory a library reads.
CREDENTIAL_PATH_VARIABLES = (
    "GOOGLE_APPLICATION_CREDENTIALS", "AZURE_FEDERATED_TOKEN_FILE", "SSL_CERT_FILE",
    "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HF_HOME", "KUBECONFIG",
)
# Content past this size is not read for a fingerprint (only its size is recorded).
CREDENTIAL_FINGERPRINT_LIMIT = 1 << 20


def _names_a_path(name: str, value: str) -> bool:
    """A variable listed above, or ``*_PATH`` / ``*_FILE`` holding one absolute path."""
    if name in CREDENTIAL_PATH_VARIABLES:
        return bool(value)
    return (
        (name.endswith("_PATH") or name.endswith("_FILE"))
        and value.startswith(("/", "~"))
        and os.pathsep not in value
    )


def credential_sources(environ: Mapping[str, str]) -> list[Any]:
    """The credential sources this environment uses: the standard files that exist here
    and the variables naming a path. What the probes of the nodes check (by name)."""
    names = [item["name"] for item in credential_files(environ, None, None, None) if item["exists"]]
    return names


def credential_files(
    environ: Mapping[str, str], rules: dict[str, Any] | None, key: bytes | None, wanted: Iterable[str] | None
) -> list[Any]:
    """Whether each credential file exists and is readable here: name, path, exists,
    readable, size and a keyed fingerprint of the content (never the content).

    ``wanted``: names to check (the driver's ``credential_sources``); ``None`` checks the
    standard files and every variable naming a path.
    """
    home = environ.get("HOME") or os.path.expanduser("~")
    candidates: list[tuple[str, str | None, bool]] = []
    for name, variable, relative in CREDENTIAL_FILES:
        path = environ.get(variable) if variable else None
        candidates.append((name, path or os.path.join(home, relative), False))
    for name in sorted(environ):
        value = environ[name]
        if isinstance(value, str) and _names_a_path(name, value):
            secret = rules is not None and is_secret_key(name, rules)
            candidates.append((name, os.path.expanduser(value), secret))
    if wanted is not None:
        wanted = list(wanted)
        known = {c[0] for c in candidates}
        # A variable the driver sets and this node does not: nothing to check here.
        candidates = [c for c in candidates if c[0] in wanted]
        candidates += [(name, None, False) for name in wanted if name not in known]
    return [_credential_file(name, path, secret, key) for name, path, secret in candidates]


def _credential_file(name: str, path: str | None, secret: bool, key: bytes | None) -> dict[str, Any]:
    record: dict[str, Any] = {"name": name, "path": None if secret else path, "withheld": secret, "exists": False,
              "readable": False, "size": None, "fingerprint": None}
    if path is None:
        return record
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return record
    record["exists"] = True
    if stat.S_ISDIR(info.st_mode):
        record["readable"] = os.access(path, os.R_OK | os.X_OK)
        return record
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or device: opening it could block the probe; its presence is what counts.
        record["readable"] = os.access(path, os.R_OK)
        return record
    record["size"] = info.st_size
    try:
        with open(path, "rb") as fh:
            data = fh.read(CREDENTIAL_FINGERPRINT_LIMIT + 1)
    except OSError:
        return record
    record["readable"] = True
    if key is not None and len(data) <= CREDENTIAL_FINGERPRINT_LIMIT:
        import hmac

        record["fingerprint"] = FINGERPRINT_PREFIX + hmac.new(key, data, "sha256").hexdigest()[:32]
    return record


# nvidia-smi answers in well under a second; a wedged driver must not hold the probe.
NVIDIA_SMI_TIMEOUT = 5.0
_NVIDIA_PROC_VERSION = re.compile(r"Kernel Module(?: for [\w-]+)?\s+([0-9]+(?:\.[0-9]+)+)")


def accelerator_facts(root: str = "/") -> dict[str, Any] | None:
    """The node's NVIDIA driver version and GPU models, or None when it has none.

    Read from ``nvidia-smi --query-gpu`` when it is on PATH (short timeout), else from
    ``/proc/driver/nvidia/version``; no CUDA library is loaded. ``root`` prefixes both the
    /proc path and the PATH directories searched (tests put a fake tree there).
    """
    smi = None
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory:
            candidate = os.path.join(root, directory.lstrip("/"), "nvidia-smi")
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                smi = candidate
                break
    if smi is not None:
        import subprocess

        try:
            done = subprocess.run(
                [smi, "--query-gpu=name,driver_version", "--format=csv,noheader"],
                capture_output=True, text=True, timeout=NVIDIA_SMI_TIMEOUT,
            )
            rows = [
                [part.strip() for part in line.split(",")]
                for line in done.stdout.splitlines() if line.strip()
            ] if done.returncode == 0 else []
            gpus = [row[0] for row in rows if len(row) >= 2 and row[0]]
            drivers = [row[1] for row in rows if len(row) >= 2 and row[1]]
            if gpus:
                return {"nvidia_driver": drivers[0] if drivers else None, "gpus": gpus, "source": "nvidia-smi"}
        except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
            pass
    try:
        with open(os.path.join(root, "proc/driver/nvidia/version"), encoding="utf-8", errors="replace") as fh:
            text = fh.read(64 * 1024)
    except OSError:
        return None
    match = _NVIDIA_PROC_VERSION.search(text)
    if match is None:
        return None
    return {"nvidia_driver": match.group(1), "gpus": [], "source": "/proc/driver/nvidia/version"}


def scan_entries(paths: list[Any], rules: dict[str, Any], use_native: bool = True) -> tuple[Any, ...]:
    """``(scan, scanner)``: the packages and unreadable entries of ``paths``, and
    ``"native"`` or ``"python"`` for the scanner that found them."""
    scan = _native_scan(paths) if use_native else None
    if scan is not None:
        return scan, "native"
    return scan_paths(paths, rules), "python"


def assemble_snapshot(
    facts: dict[str, Any],
    env: dict[str, Any],
    paths: list[Any],
    scan: dict[str, Any],
    scanner: str,
    tool_version: str | None = None,
    origin: dict[str, Any] | None = None,
    rules: dict[str, Any] | None = None,
    reveal: bool = False,
    key: bytes | None = None,
) -> dict[str, Any]:
    """The snapshot dict from its parts: ``facts`` as ``describe()`` gives them (python,
    platform, markers, genevars_version), ``env`` from ``capture_env``, the scanned path
    entries and ``scan_entries``' result. Callers that gather the parts in another order
    (``snapshot --python`` overlaps them with another interpreter) build the same dict.
    The recorded sys.path has its credentials masked (a ``.pth`` or sitecustomize may put
    a URL with a token there) unless ``reveal``; with a fingerprint ``key``, a masked entry
    carries the keyed fingerprint of the whole entry, so two tokens still differ."""
    snapshot = {
        "schema": SCHEMA,
        "created_by": {
            "tool": "genevars",
            "version": tool_version or _genevars_version() or "",
            "scanner": scanner,
        },
        "python": facts["python"],
        "platform": facts["platform"],
        "markers": facts["markers"],
        "cwd": _cwd() if reveal else _masked(_cwd(), rules),
        "env": env,
        "sys_path": [_text(entry) if reveal else _masked_entry(_text(entry), rules, key) for entry in paths],
        "packages": scan["packages"],
        "unreadable": scan["unreadable"],
        "genevars_version": facts["genevars_version"],
    }
    if facts.get("conda"):
        snapshot["conda"] = facts["conda"]
    if origin is not None:
        import socket

        origin = dict(origin)
        origin.setdefault("hostname", socket.gethostname())
        origin.setdefault("pid", os.getpid())
        snapshot["origin"] = origin
    return snapshot


def _interpreter_facts() -> dict[str, Any]:
    """This interpreter's python, platform, markers and genevars version."""
    facts: dict[str, Any] = {
        "python": python_info(),
        "platform": platform_info(),
        "markers": marker_environment(),
        "genevars_version": _genevars_version(),
    }
    conda = conda_packages(sys.prefix)
    if conda:
        facts["conda"] = conda
    return facts


def conda_packages(prefix: str) -> list[Any]:
    """The packages of a conda prefix, from the names of its ``conda-meta/*.json`` files
    (``NAME-VERSION-BUILD.json``; versions and builds never hold a ``-``): no file is
    opened, so a prefix of large records costs one directory listing. Empty elsewhere."""
    try:
        names = os.listdir(os.path.join(prefix, "conda-meta"))
    except OSError:
        return []
    packages = []
    for name in names:
        if not name.endswith(".json"):
            continue
        parts = name[: -len(".json")].rsplit("-", 2)
        if len(parts) == 3 and all(parts):
            packages.append({"name": parts[0], "version": parts[1], "build": parts[2]})
    packages.sort(key=lambda p: (p["name"], p["version"], p["build"]))
    return packages


def describe() -> dict[str, Any]:
    """What ``--python EXE`` needs from another interpreter; it scans natively itself."""
    facts = _interpreter_facts()
    # Read by the asking side at every use (conda_of): a cached description would keep
    # a conda package list that conda has changed since.
    facts.pop("conda", None)
    facts["sys_path"] = [_text(entry) for entry in sys.path if isinstance(entry, str)]
    return facts


def conda_of(facts: dict[str, Any]) -> dict[str, Any]:
    """``facts`` of another interpreter with the conda packages of its prefix (the
    directory above its ``bin/``), read now."""
    executable = facts.get("python", {}).get("executable") or ""
    if not executable:
        return facts
    prefix = os.path.dirname(os.path.dirname(os.path.abspath(executable)))
    conda = conda_packages(prefix)
    if conda:
        facts = dict(facts)
        facts["conda"] = conda
    return facts


def _native_scan(paths: list[Any]) -> dict[str, Any] | None:
    """The native scanner's result, or None when it is missing or speaks another protocol."""
    try:
        from genevars import _core

        decode = SCAN_DECODERS.get(getattr(_core, "SCAN_PROTOCOL", 0))
        if decode is None:
            return None
        scanned: dict[str, Any] = decode(_core.scan_paths(list(paths)))
        return scanned
    except Exception:  # noqa: BLE001 - any failure means "use the stdlib scanner"
        return None


def _start_native_scan(paths: list[Any]) -> NativeScan | None:
    """``_core.scan_native(paths)`` (a scan started on a thread of its own), or None when
    this genevars has none (older, or not installed) or it fails to start."""
    try:
        from genevars import _core

        return _core.scan_native(list(paths))
    except Exception:  # noqa: BLE001 - any failure means "use the dict scan"
        return None


def _native_scan_text(scanning: NativeScan | None) -> tuple[Any, ...] | None:
    """``(unreadable, packages)`` of a ``_start_native_scan``: the unreadable entries as
    a list and the package list as compact JSON text; None when the scan failed."""
    if scanning is None:
        return None
    try:
        # Packages last: their list is then the tail of the text, and `,"packages":`
        # cannot occur before it (a quote inside a string is always escaped, and no
        # unreadable entry has a "packages" key).
        text = scanning.snapshot_json('{"unreadable":null,"packages":null}')
        cut = text.index(',"packages":')
        unreadable = json.loads(text[:cut] + "}")["unreadable"]
        return unreadable, text[cut + len(',"packages":') : -1]
    except Exception:  # noqa: BLE001 - any failure means "use the dict scan"
        return None


def _genevars_version() -> str | None:
    try:
        from genevars._core import __version__

        return str(__version__)
    except Exception:  # noqa: BLE001 - not importable here
        return None


def _text(value: str) -> str:
    """An OS string as valid UTF-8 text (undecodable bytes become U+FFFD, as in Rust)."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _cwd() -> str:
    try:
        return _text(os.getcwd())
    except OSError:
        return ""


# --------------------------------------------------------------------------- interpreter


def python_info() -> dict[str, Any]:
    import platform

    info = sys.version_info
    return {
        "version": sys.version,
        "version_info": {
            "major": info.major,
            "minor": info.minor,
            "micro": info.micro,
            "releaselevel": info.releaselevel,
            "serial": info.serial,
        },
        "implementation": platform.python_implementation(),
        "executable": _text(sys.executable or ""),
        "abi_tag": abi_tag(),
    }


def abi_tag() -> str:
    """The wheel ABI tag of this interpreter: ``cp311``, ``cp313t``, ``pypy39_pp73``."""
    import sysconfig

    if sys.implementation.name == "cpython":
        tag = "cp%d%d" % sys.version_info[:2]
        if hasattr(sys, "gettotalrefcount"):
            tag += "d"
        if sysconfig.get_config_var("Py_GIL_DISABLED"):
            tag += "t"
        return tag
    soabi = sysconfig.get_config_var("SOABI") or ""
    if soabi:
        parts = soabi.split("-")
        soabi = "-".join(parts[:2]) if sys.implementation.name == "pypy" else soabi
        return soabi.replace(".", "_").replace("-", "_")
    return (sys.implementation.cache_tag or sys.implementation.name).replace("-", "_")


def platform_info() -> dict[str, Any]:
    import platform

    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "processor": _processor(),
        "libc": _libc(),
    }


def _processor() -> str:
    import platform

    try:
        return platform.processor()
    except Exception:  # noqa: BLE001 - it may shell out to uname
        return ""


def _libc() -> dict[str, Any] | None:
    import platform

    try:
        family, version = platform.libc_ver()
    except Exception:  # noqa: BLE001
        family, version = "", ""
    if family:
        return {"family": family, "version": version}
    if sys.platform.startswith("linux"):
        try:
            if any(name.startswith("ld-musl-") for name in os.listdir("/lib")):
                return {"family": "musl", "version": ""}
        except OSError:
            pass
    return None


def _full_version(info: Any) -> str:
    version = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def marker_environment() -> dict[str, Any]:
    """The PEP 508 environment markers of this interpreter."""
    fast = _uname_markers()
    if fast is not None:
        system, release, version, machine, python_full_version = fast
        implementation = "CPython"
    else:
        import platform

        system, release, version, machine = platform.system(), platform.release(), platform.version(), platform.machine()
        python_full_version, implementation = platform.python_version(), platform.python_implementation()
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": _full_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": machine,
        "platform_python_implementation": implementation,
        "platform_release": release,
        "platform_system": system,
        "platform_version": version,
        "python_full_version": python_full_version,
        "python_version": ".".join(python_full_version.split(".")[:2]),
        "sys_platform": sys.platform,
    }


def _uname_markers() -> tuple[str, str, str, str, str] | None:
    """``(system, release, version, machine, python_full_version)`` exactly as ``platform``
    gives them, where that is ``os.uname()`` and the first word of ``sys.version``: CPython
    on Linux or macOS. ``None`` elsewhere. Importing ``platform`` costs a ``snapshot --path``
    about a millisecond."""
    if sys.implementation.name != "cpython" or sys.platform not in ("linux", "darwin"):
        return None
    words = sys.version.split(None, 1)
    # platform reads the version as the run of word characters, dots and plus signs that
    # starts sys.version, and appends ".0" to a two-part one.
    if not words or not all(c.isalnum() or c in "_.+" for c in words[0]) or words[0].count(".") != 2:
        return None
    try:
        system, _node, release, version, machine = os.uname()
    except (AttributeError, OSError):
        return None
    # platform.uname() writes "unknown" as "".
    blank = [("" if value == "unknown" else value) for value in (system, release, version, machine)]
    if not any(blank):
        return None
    return blank[0], blank[1], blank[2], blank[3], words[0]


# --------------------------------------------------------------------------- secrets


class NativeRules(dict):  # type: ignore[type-arg]  # dict[str, Any] is not a base on Python 3.8
    """Secret rules that carry, as ``native``, genevars' native checks implementing exactly
    them (``is_secret_key``, ``is_secret_value``, ``mask_credentials`` of ``_core``): the
    three checks below use those instead of compiling the rules into Python regexes. Made
    on the driver by ``native_rules``; a worker's probe gets a plain dict (an attribute,
    not a global, so that nothing of the native module travels with pickled probe code)."""

    native: tuple[Callable[[str], bool], Callable[[str], bool], Callable[[str], str]] | None = None


def native_rules(core: Any) -> dict[str, Any]:
    """``core.secret_rules()`` with ``core``'s checks (``core`` is genevars' native module)."""
    rules = NativeRules(core.secret_rules())
    rules.native = (core.is_secret_key, core.is_secret_value, core.mask_credentials)
    return rules


def _native_for(
    rules: dict[str, Any], text: str
) -> tuple[Callable[[str], bool], Callable[[str], bool], Callable[[str], str]] | None:
    """The native checks when ``rules`` carries them and ``text`` is UTF-8 as it is (the
    native side cannot take a lone surrogate)."""
    if not isinstance(rules, NativeRules) or rules.native is None or _text(text) is not text:
        return None
    return rules.native


def is_secret_key(name: str, rules: dict[str, Any]) -> bool:
    """True when a variable of this name holds a secret (the rules' globs, any case)."""
    native = _native_for(rules, name)
    if native is not None:
        return native[0](name)
    upper = name.translate(_ASCII_UPPER)
    return bool(_any_glob(tuple(rules["key_patterns"])).match(upper)) and not _any_glob(
        tuple(rules["key_exceptions"])
    ).match(upper)


# Memos of the two helpers below. Plain dicts, not functools.lru_cache: cloudpickle
# ships an lru_cache wrapper by reference, which a worker without genevars cannot load.
_GLOB_REGEXES: dict[tuple[str, ...], re.Pattern[str]] = {}
_REGEXES: dict[tuple[str, ...], Any] = {}


def _any_glob(globs: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching what ``fnmatchcase`` matches with any of the upper-cased
    ``globs``: built once, not per variable and glob."""
    regex = _GLOB_REGEXES.get(globs)
    if regex is None:
        import fnmatch

        alternatives = "|".join(fnmatch.translate(g.translate(_ASCII_UPPER)) for g in globs)
        regex = _GLOB_REGEXES[globs] = re.compile(alternatives or "(?!)")
    return regex


def _regexes(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    found: list[re.Pattern[str]] | None = _REGEXES.get(patterns)
    if found is None:
        found = _REGEXES[patterns] = [re.compile(p) for p in patterns]
    return found


def is_secret_value(value: str, rules: dict[str, Any]) -> bool:
    """True when the value is a secret by its shape (JWT, PEM private key, known token
    prefix, JSON with a password field). Mirrors ``redact::is_secret_value``."""
    native = _native_for(rules, value)
    if native is not None:
        return native[1](value)
    return any(r.search(value) for r in _regexes(tuple(rules.get("value_patterns", ()))))


def mask_credentials(value: str, rules: dict[str, Any]) -> str | None:
    """The value with credentials masked (URL userinfo, credential query parameters,
    webhook and conda tokens, secret-shaped tokens), or None when there was nothing to
    mask. Mirrors ``redact::mask_credentials``: the same patterns, applied in order."""
    native = _native_for(rules, value)
    if native is not None:
        masked = native[2](value)
        return None if masked == value else masked
    patterns = tuple(rules.get("url_patterns", ())) + tuple(rules.get("value_patterns", ()))
    if not _any_pattern(patterns).search(value):  # most values: nothing to look at
        return None
    text = value
    for regex in _regexes(patterns):
        text = regex.sub(_masker(regex), text)
    return text if text != value else None


def _any_pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching where any of ``patterns`` matches (their groups unnamed, their
    leading flags scoped)."""
    found: re.Pattern[str] | None = _REGEXES.get(("any",) + patterns)
    if found is None:
        scoped = []
        for p in patterns:
            p = p.replace("(?P<s>", "(?:")
            if p.startswith("(?i)"):
                p = "(?i:%s)" % p[4:]
            scoped.append("(?:%s)" % p)
        found = _REGEXES[("any",) + patterns] = re.compile("|".join(scoped) or "(?!)")
    return found


def _masked(text: str, rules: dict[str, Any] | None) -> str:
    """``text`` with its credentials masked (the URL userinfo at least, without rules)."""
    masked = mask_credentials(text, rules or _DEFAULT_RULES)
    return text if masked is None else masked


def _masked_entry(entry: str, rules: dict[str, Any] | None, key: bytes | None) -> str:
    """A sys.path entry as recorded: credentials masked, and then, with a key, followed by
    `` (hmac-sha256:...)`` of the entry as it was."""
    masked = _masked(entry, rules)
    if masked is entry or key is None:
        return masked
    return "%s (%s)" % (masked, fingerprint(key, entry))


def _masker(regex: re.Pattern[str]) -> Callable[[re.Match[str]], str]:
    has_group = "s" in regex.groupindex

    def mask(m: re.Match[str]) -> str:
        if not has_group:
            return MASK
        start, end = m.span("s")
        if start < 0:
            return m.group(0)
        whole = m.string
        return whole[m.start() : start] + MASK + whole[end : m.end()]

    return mask


def fingerprint(key: bytes, value: str) -> str:
    """``hmac-sha256:`` and 32 hex digits of the HMAC of ``value`` under ``key``."""
    import hmac

    data = value.encode("utf-8", "surrogateescape")
    return FINGERPRINT_PREFIX + hmac.new(key, data, "sha256").hexdigest()[:32]


def capture_env(environ: Mapping[str, str], rules: dict[str, Any], key: bytes | None, reveal: bool) -> dict[str, Any]:
    """Environment variables with secret values withheld (unless ``reveal``)."""
    env: dict[str, Any] = {}
    for name in sorted(environ):
        value = environ[name]
        shown = _text(name)
        if reveal:
            env[shown] = _text(value)
            continue
        if is_secret_key(name, rules) or is_secret_value(_text(value), rules):
            env[shown] = {
                "withheld": "secret",
                "fingerprint": fingerprint(key, value) if key is not None else None,
                "display": None,
            }
            continue
        masked = mask_credentials(_text(value), rules)
        if masked is None:
            env[shown] = _text(value)
        else:
            env[shown] = {
                "withheld": "url-credentials",
                "fingerprint": fingerprint(key, value) if key is not None else None,
                "display": masked,
            }
    return env


# --------------------------------------------------------------------------- metadata


class MetadataError(Exception):
    """A header block that is not usable core metadata; the message completes a
    sentence starting with the file name ("METADATA has no Version field")."""


class _HeaderBlockTooLong(Exception):
    pass


def parse_headers(text: bytes) -> list[Any]:
    """``[name, value, line]`` for each header of a header block (``email`` rules)."""
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:]
    headers: list[Any] = []
    for index, raw in enumerate(text.split(b"\n")):
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            more = line.strip(_BYTES_WS)
            if headers and more:
                last = headers[-1]
                last[1] = last[1] + b" " + more if last[1] else more
            continue
        colon = line.find(b":")
        if colon < 0:
            break
        name = line[:colon]
        if not name or any(b < 0x21 or b > 0x7E for b in name):
            break
        headers.append([name.decode("ascii"), line[colon + 1 :].strip(_BYTES_WS), index + 1])
    return headers


def read_header_block(path: str) -> bytes:
    """A metadata file up to its first empty line, read in chunks (never the body)."""
    fd = _open_for_reading(path)
    try:
        return _read_header_block_fd(fd)
    finally:
        os.close(fd)


def _read_header_block_fd(fd: int) -> bytes:
    return _read_header_block_with(lambda size: os.read(fd, size))


def _read_header_block_with(read: Callable[[int], bytes]) -> bytes:
    buf = bytearray()
    searched = 0
    while True:
        chunk = read(_CHUNK)
        if not chunk:
            return bytes(buf)
        buf += chunk
        end = _blank_line_end(buf, searched)
        if end is not None:
            return bytes(buf[:end])
        searched = max(len(buf) - 2, 0)
        if len(buf) >= HEADER_LIMIT:
            raise _HeaderBlockTooLong()


def _blank_line_end(buf: bytes | bytearray, start: int) -> int | None:
    if start == 0:
        if buf.startswith(b"\n"):
            return 1
        if buf.startswith(b"\r\n"):
            return 2
    i = start
    while True:
        nl = buf.find(b"\n", i)
        if nl < 0:
            return None
        after = buf[nl + 1 : nl + 3]
        if after[:1] == b"\n":
            return nl + 2
        if after == b"\r\n":
            return nl + 3
        i = nl + 1


def _required(headers: list[Any], field: str) -> str:
    wanted = field.lower()
    for name, value, line in headers:
        if name.lower() == wanted:
            if not value:
                raise MetadataError("has an empty %s field" % field)
            try:
                text: str = value.decode("utf-8")
                return text
            except UnicodeDecodeError:
                raise MetadataError(
                    "%s field (line %d) is not valid UTF-8" % (field, line)
                ) from None
    raise MetadataError("has no %s field" % field)


def parse_core_metadata(text: bytes) -> dict[str, Any]:
    """Name, normalized name, version, Requires-Dist, Provides-Extra, Requires-Python and
    the fields decoded lossily, from a header block. Raises MetadataError."""
    headers = parse_headers(text)
    name = _required(headers, "Name")
    if not _NAME.match(name):
        raise MetadataError(
            "Name %s is not a valid distribution name" % json.dumps(name, ensure_ascii=False)
        )
    version = _required(headers, "Version")
    lossy = []
    requires_dist = []
    provides_extra = []
    requires_python = None

    def decode(header: list[Any]) -> str:
        value: bytes = header[1]
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            lossy.append((header[0], header[2]))
            return value.decode("utf-8", "replace")

    for header in headers:
        lowered = header[0].lower()
        if lowered == "requires-dist":
            requires_dist.append(decode(header))
        elif lowered == "provides-extra":
            provides_extra.append(decode(header))
        elif lowered == "requires-python" and requires_python is None:
            requires_python = decode(header)
    return {
        "name": name,
        "normalized_name": normalized_name(name),
        "version": version,
        "requires_dist": requires_dist,
        "provides_extra": provides_extra,
        "requires_python": requires_python,
        "lossy": lossy,
    }


# --------------------------------------------------------------------------- scanner


def _describe(error: OSError) -> str:
    """An OS error in the words every reason uses (``describe`` in scan.rs)."""
    code = error.errno
    if code == errno.ENOENT:
        return "does not exist"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.ELOOP:
        return "symlink loop"
    if code == errno.ENOTDIR:
        return "not a directory"
    if code == errno.EISDIR:
        return "is a directory"
    return error.strerror or str(error)


def _file_name(path: str) -> str:
    """The last component, as Rust's Path::file_name sees it ("" for none)."""
    parts = [p for p in path.split(os.sep) if p not in ("", ".")]
    if not parts or parts[-1] == "..":
        return ""
    return parts[-1]


def _layout(name: bytes) -> str | None:
    lowered = name.lower()
    for suffix, layout in (
        (b".dist-info", "dist-info"),
        (b".egg-info", "egg-info"),
        (b".egg", "egg"),
        (b".egg-link", "egg-link"),
    ):
        if len(lowered) > len(suffix) and lowered.endswith(suffix):
            return layout
    return None


def _is_zip(path: str) -> bool:
    ext = os.path.splitext(_file_name(path))[1][1:]
    if ext.lower() in _ZIP_EXTENSIONS:
        return True
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _open_for_reading(path: str) -> int:
    """A read-only descriptor; non-blocking so a FIFO reads as empty instead of hanging."""
    return os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))


def _is_regular(fd: int) -> bool:
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


def _read_metadata_file(path: str, label: str, container: str) -> bytes:
    """The header block of a metadata file; raises MetadataError with the reason.
    The file type is only looked at when something went wrong (as in scan.rs)."""
    try:
        fd = _open_for_reading(path)
    except OSError as e:
        if e.errno == errno.ENOENT:
            raise MetadataError("no %s file" % label) from None
        if e.errno == errno.ENOTDIR:
            raise MetadataError("is a file, not a %s directory" % container) from None
        raise MetadataError("cannot read %s: %s" % (label, _describe(e))) from None
    error: _HeaderBlockTooLong | OSError | None
    try:
        try:
            block = _read_header_block_fd(fd)
        except (_HeaderBlockTooLong, OSError) as e:
            block, error = b"", e
        else:
            error = None
        if not block and not _is_regular(fd):
            raise MetadataError("%s is not a regular file" % label)
    finally:
        os.close(fd)
    if isinstance(error, _HeaderBlockTooLong):
        raise MetadataError("%s header block is longer than 1 MiB" % label)
    if error is not None:
        raise MetadataError("cannot read %s: %s" % (label, _describe(error)))
    return block


def _read_one_line_file(path: str) -> str | None:
    """The trimmed text of a one-line file such as INSTALLER (one read), or None."""
    try:
        fd = _open_for_reading(path)
    except OSError:
        return None
    try:
        data = os.read(fd, 1024)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data.decode("utf-8", "replace").strip(_WHITESPACE) or None


class _Malformed(Exception):
    pass


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(name)


def parse_direct_url(text: str) -> dict[str, Any] | None:
    """The origin a PEP 610 ``direct_url.json`` records (URL not yet masked), or None
    when it is malformed."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("url"), str):
        return None
    if isinstance(value.get("vcs_info"), dict):
        kind, editable = "vcs", False
    elif isinstance(value.get("archive_info"), dict):
        kind, editable = "archive", False
    elif isinstance(value.get("dir_info"), dict):
        kind, editable = "dir", value["dir_info"].get("editable") is True
    else:
        return None
    return {"url": value["url"], "editable": editable, "kind": kind}


def _read_direct_url(path: str, rules: dict[str, Any] | None) -> dict[str, Any] | None:
    try:
        fd = _open_for_reading(path)
    except OSError as e:
        if e.errno == errno.ENOENT:
            return None
        raise _Malformed() from None
    try:
        data = b""
        while len(data) <= SMALL_FILE_LIMIT:
            chunk = os.read(fd, 64 * 1024)
            if not chunk:
                break
            data += chunk
        text = data.decode("utf-8") if len(data) <= SMALL_FILE_LIMIT else None
    except (OSError, UnicodeDecodeError):
        text = None
    finally:
        os.close(fd)
    origin = parse_direct_url(text) if text is not None else None
    if origin is None:
        raise _Malformed()
    masked = mask_credentials(origin["url"], rules or _DEFAULT_RULES)
    if masked is not None:
        origin["url"] = masked
    return origin


# Used only when a caller scans without secret rules: URL userinfo is still masked.
_DEFAULT_RULES = {
    "url_patterns": [r"(?i)[a-z][a-z0-9+.\-]*://(?P<s>[^\s/?#@]+)@"],
    "value_patterns": [],
    "key_patterns": [],
    "key_exceptions": [],
}


class _Scanner:
    def __init__(self, rules: dict[str, Any] | None) -> None:
        self.rules = rules
        self.packages: list[dict[str, Any]] = []
        self.index: dict[str, int] = {}
        self.unreadable: list[dict[str, str]] = []
        self.seen_entries: set[str] = set()
        self.seen_dirs: set[str] = set()
        self.seen_eggs: set[str] = set()
        # Project directories named by .egg-link files (layouts.rs): scanned after the path.
        self.egg_links: list[str] = []
        self.develop_dirs: set[str] = set()

    def record(self, path: str, reason: str) -> None:
        # A sys.path entry may be a URL with credentials.
        self.unreadable.append(
            {"path": _masked(_text(path), self.rules), "reason": _masked(reason, self.rules)}
        )

    def scan_entry(self, entry: str) -> None:
        if entry in self.seen_entries:
            return
        self.seen_entries.add(entry)
        root = entry or "."
        try:
            st = os.stat(root)
        except OSError as e:
            if e.errno == errno.ENOENT:
                return self.record(entry, "path entry does not exist")
            return self.record(entry, "cannot read path entry: %s" % _describe(e))
        resolved = os.path.realpath(root)
        if resolved in self.seen_dirs:
            return None
        self.seen_dirs.add(resolved)
        is_egg = _layout(os.fsencode(_file_name(root))) == "egg"
        if stat.S_ISREG(st.st_mode) and is_egg:
            self.read_egg(entry, root)
            return None
        if stat.S_ISREG(st.st_mode):
            if _is_zip(root):
                reason = (
                    "path entry is a zip archive; distributions inside zip archives are not scanned"
                )
            else:
                reason = "path entry is a file, not a directory"
            return self.record(entry, reason)
        if not stat.S_ISDIR(st.st_mode):
            return self.record(entry, "path entry is not a directory")
        if is_egg:
            self.read_egg(entry, root)
            return None
        try:
            names = os.listdir(root)
        except OSError as e:
            return self.record(entry, "cannot list path entry: %s" % _describe(e))
        children: list[tuple[bytes, str, str]] = []
        modules: set[bytes] = set()
        for name in names:
            raw = os.fsencode(name)
            layout = _layout(raw)
            if layout is not None:
                children.append((raw, name, layout))
            else:
                modules.add(raw.split(b".", 1)[0].lower())
        children.sort()
        # Added once all are read, so that two metadata folders of one name settle.
        found = []
        for _raw, name, layout in children:
            path = os.path.join(root, name)
            if layout == "dist-info":
                package = self.read_dist_info(entry, path)
            elif layout == "egg-info":
                package = self.read_egg_info(entry, path)
            elif layout == "egg-link":
                self.read_egg_link(path)
                package = None
            else:
                package = self.read_egg(entry, path, add=False)
            if package is not None:
                found.append(package)
        _import_names_where_unguessable(found, modules)
        if any(name in _PROJECT_FILES for name in names):
            _mark_develop_installs(found, lambda folder: True)
        for package in _settle_same_directory(root, found):
            self.add(package)
        return None

    def read_egg_link(self, link: str) -> None:
        target = _read_egg_link(link)
        if isinstance(target, _Reason):
            return self.record(link, target)
        self.develop_dirs.add(os.path.realpath(target))
        self.egg_links.append(target)
        return None


    def read_dist_info(self, location: str, path: str) -> dict[str, Any] | None:
        try:
            block = _read_metadata_file(os.path.join(path, "METADATA"), "METADATA", ".dist-info")
        except MetadataError as e:
            self.record(path, str(e))
            return None
        package = self.parse(location, path, "dist-info", "METADATA", block)
        if package is None:
            return None
        package["installer"] = _read_one_line_file(os.path.join(path, "INSTALLER"))
        try:
            package["direct_url"] = _read_direct_url(os.path.join(path, "direct_url.json"), self.rules)
        except _Malformed:
            self.record(
                path, "direct_url.json is not valid PEP 610 JSON; the origin is not recorded"
            )
        return package

    def read_egg_info(self, location: str, path: str) -> dict[str, Any] | None:
        file = os.path.join(path, "PKG-INFO") if os.path.isdir(path) else path
        try:
            block = _read_metadata_file(file, "PKG-INFO", ".egg-info")
        except MetadataError as e:
            self.record(path, str(e))
            return None
        return self.parse(location, path, "egg-info", "PKG-INFO", block)

    def read_egg(self, location: str, egg: str, add: bool = True) -> dict[str, Any] | None:
        """An .egg directory or zipped .egg file, read once however it is reached; added
        at once, or returned (``add=False``)."""
        try:
            st = os.stat(egg)
        except OSError as e:
            self.record(egg, "cannot read .egg: %s" % _describe(e))
            return None
        resolved = os.path.realpath(egg)
        if resolved in self.seen_eggs:
            return None
        self.seen_eggs.add(resolved)
        info = os.path.join(egg, "EGG-INFO")
        try:
            if stat.S_ISDIR(st.st_mode):
                block = _read_metadata_file(
                    os.path.join(info, "PKG-INFO"), "EGG-INFO/PKG-INFO", ".egg"
                )
            else:
                block = _read_zipped_pkg_info(egg)
        except MetadataError as e:
            self.record(info, str(e))
            return None
        except _ZippedEggError as e:
            self.record(egg, str(e))
            return None
        package = self.parse(location, info, "egg", "EGG-INFO/PKG-INFO", block)
        if package is not None and add:
            self.add(package)
            return None
        return package

    def parse(self, location: str, metadata_path: str, kind: str, label: str, block: bytes) -> dict[str, Any] | None:
        try:
            meta = parse_core_metadata(block)
        except MetadataError as e:
            self.record(metadata_path, "%s %s" % (label, e))
            return None
        for field, line in meta["lossy"]:
            self.record(
                metadata_path,
                "%s %s field (line %d) is not valid UTF-8; kept with replacement characters"
                % (label, field, line),
            )
        return {
            "name": meta["normalized_name"],
            "display_name": meta["name"],
            "version": meta["version"],
            "location": _text(location),
            "metadata_path": _text(metadata_path),
            "kind": kind,
            "installer": None,
            "direct_url": None,
            # `pkg @ https://user:token@host/pkg.whl` names a private wheel's credentials.
            # (PEP 508 puts a URL only after an '@'.)
            "requires_dist": [_masked(r, self.rules) if "@" in r else r for r in meta["requires_dist"]],
            "provides_extra": meta["provides_extra"],
            "requires_python": meta["requires_python"],
        }

    def add(self, package: dict[str, Any]) -> None:
        winner = self.index.get(package["name"])
        if winner is None:
            self.index[package["name"]] = len(self.packages)
            self.packages.append(package)
            return
        shadowed = self.packages[winner].setdefault("shadowed", [])
        shadowed.append(_copy(package))

    def finish(self) -> dict[str, Any]:
        # What .egg-link files name is on sys.path through easy-install.pth.
        targets, self.egg_links = self.egg_links, []
        for target in targets:
            self.scan_entry(target)
        if self.develop_dirs:
            linked = self.develop_dirs
            _mark_develop_installs(self.packages, lambda folder: os.path.realpath(folder) in linked)
        self.packages.sort(key=lambda p: p["name"].encode("utf-8"))
        return {"packages": self.packages, "unreadable": self.unreadable}


def _copy(package: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": package["version"],
        "location": package["location"],
        "metadata_path": package["metadata_path"],
    }


# --- layouts (layouts.rs): legacy editable installs, zipped eggs, two metadata folders

_EGG_LINK_LIMIT = 64 * 1024
_RECORD_LIMIT = 16 << 20
_PROJECT_FILES = ("setup.py", "setup.cfg", "pyproject.toml")


class _Reason(str):
    """Why something could not be read (a value, not an exception)."""


class _ZippedEggError(Exception):
    pass


def _read_small(path: str, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a file, or None when it cannot be read (non-blocking: a
    FIFO fails, never hangs)."""
    try:
        fd = _open_for_reading(path)
    except OSError:
        return None
    try:
        chunks, size = [], 0
        while size < limit:
            chunk = os.read(fd, min(_CHUNK * 8, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_egg_link(link: str) -> str:
    """The project directory an .egg-link names, or a _Reason."""
    text = _read_small(link, _EGG_LINK_LIMIT)
    if text is None:
        return _Reason("cannot read .egg-link")
    first = text.decode("utf-8", "replace").split("\n", 1)[0].strip()
    if not first:
        return _Reason(".egg-link names no project directory")
    if os.path.isabs(first):
        return first
    return os.path.join(os.path.dirname(link), first)


def _mark_develop_installs(packages: list[Any], develop: Callable[[str], bool]) -> None:
    """Egg-info distributions in a project checkout are editable installs (scan.rs)."""
    for package in packages:
        if package["kind"] != "egg-info" or package["direct_url"] is not None:
            continue
        folder = os.path.dirname(package["metadata_path"])
        if develop(folder):
            package["direct_url"] = {"url": "file://" + folder, "editable": True, "kind": "dir"}


def _read_zipped_pkg_info(egg: str) -> bytes:
    import zipfile

    try:
        source = os.fdopen(_open_for_reading(egg), "rb")
    except OSError as e:
        raise _ZippedEggError("cannot read .egg: %s" % _describe(e)) from None
    try:
        if not _is_regular(source.fileno()):
            raise OSError("not a regular file")  # a FIFO or device: never read it
        archive = zipfile.ZipFile(source)
    except Exception:
        source.close()
        raise _ZippedEggError("zipped .egg is not a readable zip archive") from None
    with source, archive:
        try:
            info = archive.getinfo("EGG-INFO/PKG-INFO")
        except KeyError:
            raise MetadataError("no EGG-INFO/PKG-INFO file") from None
        try:
            with archive.open(info) as member:
                return _read_header_block_with(member.read)
        except _HeaderBlockTooLong:
            raise _ZippedEggError("EGG-INFO/PKG-INFO header block is longer than 1 MiB") from None
        except Exception:
            raise _ZippedEggError("cannot read EGG-INFO/PKG-INFO inside the zipped .egg") from None


_TOP_LEVEL_LIMIT = 64 * 1024
_RECORD_NAMES_LIMIT = 256 * 1024
_IMPORT_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _import_names_where_unguessable(packages: list[Any], modules: set[bytes]) -> None:
    """Import names where the name does not say them (scan.rs)."""
    for package in packages:
        if package["name"].replace("-", "_").encode("utf-8") in modules:
            continue
        folder = package["metadata_path"]
        if package["kind"] == "dist-info":
            record = os.path.join(folder, "RECORD")
        elif package["kind"] == "egg-info" and os.path.isdir(folder):
            record = None
        else:
            continue
        names = _import_names(os.path.join(folder, "top_level.txt"), record)
        if names:
            package["import_names"] = names


def _import_names(top_level: str, record: str | None) -> list[Any]:
    """What code imports a distribution as (layouts.rs import_names)."""
    names = []

    def push(name: str) -> None:
        if name and all(_IMPORT_PART.match(p) for p in name.split(".")) and name not in names:
            names.append(name)

    text = _read_small(top_level, _TOP_LEVEL_LIMIT)
    if text is not None:
        for line in _rust_lines(text.decode("utf-8", "replace")):
            push(line.strip().replace("/", "."))
    elif record is not None:
        text = _read_small(record, _RECORD_NAMES_LIMIT) or b""
        for line in _rust_lines(text.decode("utf-8", "replace")):
            name = _record_module(line)
            if name is not None:
                push(name)
    if any(not n.startswith("_") for n in names):
        names = [n for n in names if not n.startswith("_")]
    return names


def _rust_lines(text: str) -> list[Any]:
    """Lines as Rust's str::lines() splits them (\n, and a \r before it)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [l[:-1] if l.endswith("\r") else l for l in lines]


def _record_module(line: str) -> str | None:
    fields = line.rsplit(",", 2)
    if len(fields) != 3:
        return None
    path = fields[0].strip('"')
    if "/" in path:
        first = path.split("/", 1)[0]
        if first.endswith((".dist-info", ".data")) or first in ("__pycache__", ".."):
            return None
        return first
    if path.endswith(".py"):
        return path[:-3]
    if path.endswith((".so", ".pyd")):
        return path.split(".", 1)[0]
    return None


def _settle_same_directory(folder: str, packages: list[Any]) -> list[Any]:
    """One package per name among those read from one directory (settle_same_directory)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for package in packages:
        groups.setdefault(package["name"], []).append(package)
    return [_settle(folder, group) for group in groups.values()]


def _settle(folder: str, group: list[dict[str, Any]]) -> dict[str, Any]:
    if len(group) == 1:
        return group[0]
    scores = [_record_score(folder, p["metadata_path"]) for p in group]
    winner = _certain_winner(scores)
    kept = group.pop(0 if winner is None else winner)
    kept["same_directory"] = [_copy(p) for p in group]
    if winner is None:
        kept["version_uncertain"] = True
    return kept


def _certain_winner(scores: list[tuple[int, int] | None]) -> int | None:
    def better(s: tuple[int, int], t: tuple[int, int]) -> bool:
        return s[0] * t[1] > t[0] * s[1]

    best = None
    top = (0, 0)  # scores[best]
    for i, score in enumerate(scores):
        if score is not None and (best is None or better(score, top)):
            best, top = i, score
    if best is None:
        return None
    unique = all(i == best or s is None or better(top, s) for i, s in enumerate(scores))
    full = top[0] == top[1]
    all_known = all(s is not None for s in scores)
    return best if top[0] > 0 and unique and (all_known or full) else None


def _record_score(folder: str, metadata_path: str) -> tuple[int, int] | None:
    text = _read_small(os.path.join(metadata_path, "RECORD"), _RECORD_LIMIT)
    if text is None:
        return None
    matching = total = 0
    for line in text.decode("utf-8", "replace").split("\n"):
        fields = line[:-1].rsplit(",", 2) if line.endswith("\r") else line.rsplit(",", 2)
        if len(fields) != 3:
            continue
        path, _hash, size_field = fields
        digits = size_field.strip()
        digits = digits[1:] if digits.startswith("+") else digits
        if not (digits.isascii() and digits.isdigit()):
            continue
        size = int(digits)
        if len(path) >= 2 and path.startswith('"') and path.endswith('"'):
            path = path[1:-1]
        if ".dist-info/" in path or "__pycache__/" in path:
            continue
        total += 1
        try:
            st = os.stat(os.path.join(folder, path))
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(st.st_mode) and st.st_size == size:
            matching += 1
    return (matching, total) if total else None


def scan_paths(paths: list[Any], rules: dict[str, Any] | None = None) -> dict[str, Any]:
    """The pure-Python scanner: ``{"packages": [...], "unreadable": [...]}`` exactly as
    ``genevars._core.scan_paths`` returns it (parsed). ``rules`` supply the
    credential-bearing query parameters masked in direct_url.json URLs."""
    scanner = _Scanner(rules)
    for entry in paths:
        scanner.scan_entry(entry)
    return scanner.finish()


# --------------------------------------------------------------------------- script


def main(argv: list[Any]) -> int:
    if argv != ["--describe"]:
        sys.stderr.write("usage: python _probe.py --describe\n")
        return 2
    # Run as a script, this file's directory leads sys.path; it is not the interpreter's.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == here:
        del sys.path[0]
    json.dump(describe(), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
