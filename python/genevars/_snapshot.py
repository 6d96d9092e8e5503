"""Snapshots: what an environment is, taken now or loaded from a file.

    >>> from genevars import snapshot_env, Snapshot
    >>> snap = snapshot_env()
    >>> snap.packages["pip"]                      # doctest: +SKIP
    '24.0'
    >>> snap.save("local.json")
    >>> Snapshot.load("local.json").packages == snap.packages
    True

Secret values are withheld when the snapshot is taken, so a saved snapshot never holds
one unless ``reveal_values=True`` was asked for.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from typing import TYPE_CHECKING, Any, Mapping, Sequence, Union

from genevars import _core
from genevars._core import SnapshotError

if TYPE_CHECKING:
    from genevars._interpreter import InterpreterDescription

PathLike = Union[str, "os.PathLike[str]"]


class Snapshot:
    """One environment: interpreter, platform, variables, sys.path and packages.

    A snapshot is validated whenever it is built from outside data, and is read-only:
    properties return copies.

        >>> snap = Snapshot.from_json(text, source="worker.json")   # doctest: +SKIP
        >>> snap.python["version_info"]["minor"]                     # doctest: +SKIP
        11
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any], *, source: str = "<dict>") -> None:
        """Validates ``data`` (snapshot JSON as a dict); raises SnapshotError naming ``source``."""
        text = json.dumps(data)
        self._data = json.loads(_core.validate_snapshot(text, source))

    # ------------------------------------------------------------------ building

    @classmethod
    def from_json(cls, text: str, source: str = "<string>") -> "Snapshot":
        """A snapshot from JSON text; errors name ``source``.

            >>> Snapshot.from_json("[]")
            Traceback (most recent call last):
              ...
            genevars.SnapshotError: <string>: not a genevars snapshot: the top level must be a JSON object (line 1, column 1)
        """
        return cls._of(json.loads(_core.validate_snapshot(text, source)))

    @classmethod
    def _of(cls, data: dict[str, Any]) -> "Snapshot":
        """Wraps snapshot data that is valid by construction (no validating round trip)."""
        snapshot = cls.__new__(cls)
        snapshot._data = data
        return snapshot

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> "Snapshot":
        """A snapshot from a dict shaped like its JSON (validated)."""
        if not isinstance(data, Mapping):
            raise SnapshotError(f"{source}: a snapshot must be a dict, not {type(data).__name__}")
        return cls(data, source=source)

    @classmethod
    def load(cls, path: PathLike) -> "Snapshot":
        """Reads a snapshot file written by :meth:`save` or ``genevars snapshot -o``.

        Raises SnapshotError with one line naming the file and the problem.
        """
        from genevars._io import read_input

        name = os.fspath(path)
        from genevars._foreign import as_snapshot_text  # pip inspect, pip list, locks

        return cls.from_json(as_snapshot_text(read_input(name, "snapshot"), name), source=name)

    def save(self, path: PathLike) -> None:
        """Writes the snapshot as indented JSON (what :meth:`load` reads)."""
        with open(os.fspath(path), "w", encoding="utf-8") as f:
            f.write(self.to_json(indent=2))
            f.write("\n")

    def to_json(self, indent: int | None = 2) -> str:
        """The snapshot as JSON text (``indent=None`` for one line)."""
        if indent is None:
            return json.dumps(self._data, ensure_ascii=False)
        # The data is the core's own form of the snapshot, so the core writes it back.
        return _core.validate_snapshot(json.dumps(self._data, ensure_ascii=False), "snapshot", max(indent, 0))

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the snapshot as a dict."""
        return copy.deepcopy(self._data)

    # ------------------------------------------------------------------ reading

    @property
    def python(self) -> dict[str, Any]:
        """``version``, ``version_info``, ``implementation``, ``executable``, ``abi_tag``."""
        return copy.deepcopy(self._data["python"])

    @property
    def platform(self) -> dict[str, Any]:
        """``system``, ``release``, ``machine``, ``processor``, ``libc``."""
        return copy.deepcopy(self._data["platform"])

    @property
    def markers(self) -> dict[str, str]:
        """The PEP 508 marker environment."""
        return dict(self._data["markers"])

    @property
    def packages(self) -> dict[str, str]:
        """``{normalized name: version}`` of the copies ``import`` loads."""
        return {p["name"]: p["version"] for p in self._data["packages"]}

    @property
    def distributions(self) -> list[dict[str, Any]]:
        """Every package record: location, kind, installer, direct URL, requirements,
        shadowed copies."""
        return copy.deepcopy(self._data["packages"])

    @property
    def env(self) -> dict[str, Any]:
        """Variables: plain strings, or ``{"withheld", "fingerprint", "display"}`` dicts."""
        return copy.deepcopy(self._data["env"])

    @property
    def sys_path(self) -> list[str]:
        return list(self._data["sys_path"])

    @property
    def unreadable(self) -> list[dict[str, str]]:
        """What the scanner could not read: ``{"path", "reason"}``."""
        return copy.deepcopy(self._data["unreadable"])

    @property
    def origin(self) -> dict[str, Any] | None:
        """Where it was taken (Ray node id, address, hostname, pid), or None."""
        origin = self._data.get("origin")
        return dict(origin) if origin is not None else None

    @property
    def created_by(self) -> dict[str, str]:
        """``tool``, ``version`` and ``scanner`` (``native`` or ``python``)."""
        return dict(self._data["created_by"])

    @property
    def genevars_version(self) -> str | None:
        """The genevars version importable where the snapshot was taken, if any."""
        version: str | None = self._data.get("genevars_version")
        return version

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return bool(self._data == other._data)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        # Counts and versions only: never a value from env.
        python = self._data["python"]["version_info"]
        platform = self._data["platform"]
        where = ""
        origin = self._data.get("origin") or {}
        label = origin.get("node_id") or origin.get("hostname")
        if label:
            where = f" from {label!r}"
        from genevars._io import shown_line

        return shown_line(
            f"<Snapshot{where} python {python['major']}.{python['minor']}.{python['micro']} "
            f"{platform['system']}/{platform['machine']}, {len(self._data['packages'])} packages, "
            f"{len(self._data['env'])} env vars, {len(self._data['unreadable'])} unreadable>"
        )


#: What the comparison and check functions take as a snapshot: a Snapshot, a snapshot
#: dict, JSON text, or the path of a snapshot file (or of ``pip inspect`` / ``pip list``
#: output, a requirements file, a pylock.toml).
SnapshotLike = Union[Snapshot, Mapping[str, Any], str, "os.PathLike[str]"]


def snapshot_env(
    paths: Sequence[PathLike] | None = None,
    *,
    python: PathLike | None = None,
    reveal_values: bool = False,
    fingerprint_key: bytes | str | None = None,
    as_tree: bool = False,
    python_version: str | None = None,
    platform: str | None = None,
) -> Snapshot:
    """Snapshot this interpreter (or another one) now.

    ``paths`` scans those directories instead of ``sys.path`` (a mounted image's
    site-packages, another venv). ``python`` snapshots another interpreter: it is asked
    once for its sys.path, markers and platform, and its packages are scanned here.
    Secret values are withheld unless ``reveal_values``; with a ``fingerprint_key``
    (bytes or hex) withheld values carry a keyed fingerprint, so that two snapshots taken
    with the same key tell whether a secret differs without storing it.

    ``as_tree=True`` (what ``genevars snapshot --path`` does) records the Python and
    platform of the ``paths`` tree instead of this interpreter's: told from the paths
    (``lib/python3.12/``) and the ABI tags of compiled modules and wheels, else from
    ``python_version`` (``"3.12"``) and ``platform`` (``"linux-x86_64"``), else unknown.
    Giving either of those implies ``as_tree``. Raises ValueError for a malformed one.

        >>> snap = snapshot_env()
        >>> snap.created_by["scanner"]
        'native'
        >>> other = snapshot_env(python="/usr/bin/python3")      # doctest: +SKIP
    """
    key = _fingerprint_key(fingerprint_key)
    scan_paths = [os.fspath(p) for p in paths] if paths is not None else None
    if as_tree or python_version or platform:
        if scan_paths is None or python is not None:
            raise ValueError("as_tree, python_version and platform describe a paths= tree scanned without python=")
        from genevars import _tree

        _tree.TreeOptions(python_version, platform)  # checked before the scan
        snap = take(scan_paths, None, reveal_values=reveal_values, key=key)
        data = snap.to_dict()
        tree = _tree.apply(data, scan_paths, python_version, platform)
        data.update(tree)
        if "conda" not in tree:
            data.pop("conda", None)
        return Snapshot._of(data)
    if python is None:
        return take(scan_paths, None, reveal_values=reveal_values, key=key)
    from genevars._interpreter import InterpreterDescription

    with InterpreterDescription(os.fspath(python)) as other:
        return take(scan_paths, other, reveal_values=reveal_values, key=key)


def take(
    paths: list[str] | None,
    other: InterpreterDescription | None,
    *,
    reveal_values: bool = False,
    key: bytes | None = None,
) -> Snapshot:
    """``snapshot_env`` once its arguments are checked; ``other`` is an already started
    ``InterpreterDescription``. (``genevars snapshot`` writes its file without building
    a Snapshot: ``genevars.cli.snapshot.snapshot_parts``.)"""
    from genevars import _probe

    rules = _core.secret_rules()
    reveal = bool(reveal_values)
    if other is None:
        data = _probe.take_snapshot(
            {
                "paths": paths,
                "secret_rules": rules,
                "fingerprint_key": key.hex() if key is not None else None,
                "reveal_values": reveal,
                "use_native": True,
                "tool_version": _core.__version__,
            }
        )
        # Built just now by our own probe, complete and valid by construction: no
        # validating JSON round trip (dumps, Rust parse, dumps, loads), which on a large
        # environment costs as much as the scan itself.
        return Snapshot._of(data)
    # In the order that keeps both interpreters busy: the environment while the other
    # one starts, the scan while it finishes describing itself.
    env = _probe.capture_env(os.environ, rules, key, reveal)
    if paths is None:
        paths = other.sys_path()
    scan, scanner = _probe.scan_entries(paths, rules)
    facts = _probe.conda_of(other.facts())
    data = _probe.assemble_snapshot(
        facts, env, paths, scan, scanner, _core.__version__, rules=rules, reveal=reveal, key=key
    )
    return Snapshot._of(_probe.add_node_facts(data, {}, rules, key))


def _fingerprint_key(fingerprint_key: bytes | str | None) -> bytes | None:
    if fingerprint_key is None:
        return None
    if isinstance(fingerprint_key, (bytes, bytearray)):
        return bytes(fingerprint_key)
    try:
        return bytes.fromhex(str(fingerprint_key))
    except ValueError:
        raise SnapshotError("fingerprint_key must be bytes or a hex string") from None


def installed_versions(paths: Sequence[PathLike] | None = None) -> dict[str, str]:
    """Name → version of every distribution ``import`` would load from ``paths``.

    A fast stand-in for ``{d.name: d.version for d in importlib.metadata.distributions()}``:
    the native scanner reads each distribution's METADATA (or PKG-INFO) only as far as its
    Version, never the long description. Names are PEP 503 normalized. When a name is
    installed twice on the path, the first copy wins, as with ``import`` (the importlib
    idiom above keeps the last). Distributions whose metadata cannot be read are left out;
    :func:`snapshot_env` records them with the reason.

    ``paths`` defaults to ``sys.path``.

        >>> from genevars import installed_versions
        >>> installed_versions()["pip"]                              # doctest: +SKIP
        '24.0'
        >>> installed_versions(["/opt/image/site-packages"])       # doctest: +SKIP
        {'numpy': '1.26.4', 'pyarrow': '15.0.2'}
    """
    if paths is None:
        entries = [entry for entry in sys.path if isinstance(entry, str)]
    elif isinstance(paths, (str, bytes)) or isinstance(paths, os.PathLike):
        raise TypeError("paths must be a list of directories, not one path; wrap it in a list")
    else:
        entries = [os.fsdecode(p) for p in paths]
    return _core.installed_versions(entries)


__all__ = ["Snapshot", "installed_versions", "snapshot_env"]

