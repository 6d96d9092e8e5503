"""Dependency analysis: broken requirements, known incompatibilities, minimal requirements.

The engine is native (``genevars._core``: pep508_rs markers, pep440_rs versions, the rules
file); this module turns user inputs (snapshots, manifests, Python files) into its inputs
and its JSON answers into small result objects.

    >>> from genevars import check_requirements, minimal_requirements
    >>> check_requirements().ok                      # this environment, like `pip check`
    True
    >>> minimal_requirements(["udf.py"]).summary     # what a worker needs to run udf.py
    '448 installed, 23 needed'
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence, Union

from genevars._findings import Finding, FindingsView, findings_html
from genevars import _core
from genevars._io import shown_line

if TYPE_CHECKING:
    from genevars._manifest import Manifest, ManifestBuilder
    from genevars._snapshot import SnapshotLike

#: Pins to judge: PEP 508 strings, a Manifest, or a runtime_env dict with a "pip" list.
ManifestPins = Union[Sequence[str], "Manifest", Mapping[str, Any]]

PathLike = Union[str, "os.PathLike[str]"]
RulesLike = Union[None, PathLike, "_core.Rules", Sequence[Any]]

__all__ = [
    "DependencyCheck",
    "MinimalRequirements",
    "check_manifest",
    "check_requirements",
    "imports_of",
    "load_rules",
    "minimal_requirements",
    "module_index",
]


# --- inputs --------------------------------------------------------------------------


def _snapshot_json(snapshot: SnapshotLike | None, what: str = "snapshot") -> str:
    """Snapshot JSON text from whatever the caller holds; ``None`` = this environment."""
    if snapshot is None:
        from genevars._snapshot import snapshot_env

        snapshot = snapshot_env()
    if isinstance(snapshot, dict):
        return json.dumps(snapshot)
    if isinstance(snapshot, (str, os.PathLike)):
        text = os.fspath(snapshot)
        if text.lstrip().startswith("{"):
            return text
        from genevars._foreign import as_snapshot_text  # pip inspect, pip list, locks
        from genevars._io import read_input

        return as_snapshot_text(read_input(text, "snapshot"), text)
    for method in ("to_json", "to_dict", "as_dict"):
        convert = getattr(snapshot, method, None)
        if callable(convert):
            value = convert()
            return value if isinstance(value, str) else json.dumps(value)
    raise TypeError(
        f"{what} must be a genevars.Snapshot, a snapshot dict, JSON text or a path, "
        f"not {type(snapshot).__name__}"
    )


def load_rules(rules: RulesLike = None, *, bundled: bool = True) -> _core.Rules:
    """The bundled rules plus user rules files (later files override rules with the same id).

    ``rules`` is a path, a list of paths, or an already loaded ``_core.Rules``. A malformed
    file raises :class:`genevars.RuleError` naming its file, line and reason.

        >>> load_rules("team-rules.toml").ids()[:1]
        ['numpy2-torch-before-2.3']
    """
    result = _core.Rules.bundled() if bundled else _core.Rules.parse("", "<none>")
    if rules is None:
        return result
    items: Sequence[Any] = rules if isinstance(rules, (list, tuple)) else [rules]
    for item in items:
        loaded = item if isinstance(item, _core.Rules) else _core.Rules.load(os.fspath(item))
        result = result.extended(loaded)
    return result


def _pins_of(manifest: ManifestPins) -> list[str]:
    """PEP 508 pins from a manifest: a list of strings, ``manifest.pip``, or a runtime_env."""
    if isinstance(manifest, (list, tuple)):
        return [str(p) for p in manifest]
    pip = getattr(manifest, "pip", None)
    if callable(pip):
        pip = None  # a builder's .pip(...) method, not a list
    if pip is None:
        to_runtime_env = getattr(manifest, "to_runtime_env", None)
        runtime_env = to_runtime_env() if callable(to_runtime_env) else manifest
        if isinstance(runtime_env, Mapping):
            pip = runtime_env.get("pip")
    if isinstance(pip, Mapping):  # Ray's {"packages": [...], "pip_check": ...} form
        pip = pip.get("packages")
    if isinstance(pip, (list, tuple)):
        return [str(p) for p in pip]
    raise TypeError(
        "manifest must be a list of pins, a genevars.Manifest, or a runtime_env dict with a "
        f"'pip' list, not {type(manifest).__name__}"
    )


# --- results -------------------------------------------------------------------------


class DependencyCheck(FindingsView):
    """Findings of categories ``requirement`` and ``rule``; the native check renders them."""

    def __init__(self, native: _core.DependencyCheck) -> None:
        self._native = native
        self.findings: list[Finding] = json.loads(native.findings_json())

    @property
    def ok(self) -> bool:
        """True when nothing is an error."""
        return not self.errors

    def __len__(self) -> int:
        return len(self.findings)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __repr__(self) -> str:
        return f"DependencyCheck({len(self.findings)} findings, ok={self.ok})"

    def to_dict(self) -> dict[str, Any]:
        """The ``genevars.dependencies/1`` document: schema, summary, findings."""
        result: dict[str, Any] = json.loads(self._native.to_json(None))
        return result

    def to_json(self, indent: int | None = 2) -> str:
        """The ``genevars.dependencies/1`` document as JSON, indented by ``indent`` spaces
        (one line when ``None``)."""
        return self._native.to_json(indent)

    def report(self) -> str:
        """One line per finding, most severe first, with its hint (control characters
        from metadata written as escapes)."""
        return self._native.report()

    def headline(self) -> str:
        """One line: ``OK`` or ``PROBLEMS FOUND`` (errors) with the counts."""
        return self._native.headline()

    def to_html(self) -> str:
        """The headline and the findings as an HTML fragment (values escaped)."""
        return findings_html(self.findings, self.headline())

    def __str__(self) -> str:
        return self.report()


def check_requirements(
    snapshot: SnapshotLike | None = None,
    remote: SnapshotLike | None = None,
    *,
    rules: RulesLike = None,
    imported: Iterable[str] | None = None,
    manifest: ManifestPins | None = None,
) -> DependencyCheck:
    """Check requirements and known incompatibilities, in one environment or between two.

    With one snapshot (default: this environment) it reports what ``pip check`` reports —
    each requirement the installed versions do not satisfy, each required distribution
    that is missing — with markers evaluated for that environment and extras active where a
    dependent asked for them, plus the rules that fire there. With ``remote`` (a worker's
    snapshot) it reports what is broken on each side and the pair rules (for example numpy
    major versions that differ). With ``manifest`` (pins, a ``genevars.Manifest`` or a
    runtime_env dict) it applies the pins to the remote side (or to ``snapshot``) and
    reports what they would break.

    ``imported`` names the packages the job imports: their violated requirements are
    errors, others warnings (default: the top-level distributions).

        >>> result = check_requirements("driver.json", "worker.json", manifest=["numpy==1.26.4"])
        >>> [f["message"] for f in result.errors]
        ['pinning numpy==1.26.4 breaks opencv-python 4.10.0 (requires numpy>=2)']
    """
    local_json = _snapshot_json(snapshot)
    names = sorted(imported) if imported is not None else None
    remote_json = None if remote is None else _snapshot_json(remote, "remote snapshot")
    pins = None if manifest is None else _pins_of(manifest)
    return DependencyCheck(
        _core.check_requirements(local_json, load_rules(rules), names, remote_json, pins)
    )


def check_manifest(
    manifest: ManifestPins, remote: SnapshotLike, local: SnapshotLike | None = None, *, rules: RulesLike = None
) -> DependencyCheck:
    """What a manifest's pins would break (or fix) on the workers, before they install it.

    ``local`` (default: none) supplies metadata of versions only the driver has installed.

        >>> check_manifest(["numpy==1.26.4"], "worker.json").ok
        False
    """
    pins = _pins_of(manifest)
    remote_json = _snapshot_json(remote, "remote snapshot")
    local_json = _snapshot_json(local, "local snapshot") if local is not None else None
    return DependencyCheck(_core.check_manifest(remote_json, pins, load_rules(rules), local_json))


# --- imports -> distributions --------------------------------------------------------


def _stdlib_names() -> frozenset[str]:
    names = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
    if names is not None:
        return frozenset(names)
    # Python 3.9: builtins plus what lives directly in the stdlib directory.
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found = set(sys.builtin_module_names)
    for entry in stdlib.iterdir() if stdlib.is_dir() else ():
        if entry.name in ("site-packages", "dist-packages"):
            continue
        if entry.suffix == ".py":
            found.add(entry.stem)
        elif entry.is_dir() and (entry / "__init__.py").exists():
            found.add(entry.name)
    lib_dynload = stdlib / "lib-dynload"
    for entry in lib_dynload.iterdir() if lib_dynload.is_dir() else ():
        found.add(entry.name.split(".", 1)[0])
    return frozenset(found)


#: The longest Python file whose imports are read: ``ast.parse`` takes some 375 times
#: a file's size in memory, and hand-written modules stay far below this.
MAX_SOURCE_BYTES = 2 << 20


def imports_of(path: PathLike) -> set[str]:
    """Absolute module names a Python file (or every ``.py`` under a directory) imports.

    ``import a.b`` gives ``a.b``; ``from a.b import c`` gives ``a.b`` and ``a.b.c`` (``c``
    may be a submodule); relative imports and ``__future__`` are skipped.

        >>> sorted(imports_of("udf.py"))
        ['numpy', 'pandas', 'sklearn.linear_model', ...]
    """
    root = Path(path)
    files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
    found: set[str] = set()
    for file in files:
        try:
            with open(file, "rb") as stream:
                source = stream.read(MAX_SOURCE_BYTES + 1)
            if len(source) > MAX_SOURCE_BYTES:
                raise _core.GenevarsError(
                    f"{file}: cannot read imports: the file is longer than the limit of "
                    f"{MAX_SOURCE_BYTES >> 20} MiB for a Python file (its syntax tree would take "
                    "hundreds of times that in memory); name the packages it needs with "
                    "--for PACKAGE instead"
                )
            tree = ast.parse(source, filename=str(file))
        except (OSError, SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            raise _core.GenevarsError(f"{file}: cannot read imports: {exc}") from None
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                if node.module == "__future__":
                    continue
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
    return found


def _record_modules(record: str) -> set[str]:
    """Importable dotted names from a RECORD (or installed-files.txt) listing."""
    modules: set[str] = set()
    for line in record.splitlines():
        relative = line.split(",", 1)[0].strip().replace("\\", "/")
        parts = [p for p in relative.split("/") if p]
        if not parts or parts[0] in ("..", "__pycache__") or "__pycache__" in parts:
            continue
        if parts[0].endswith((".dist-info", ".egg-info", ".data")) or parts[0].endswith(".pth"):
            continue
        *dirs, name = parts
        if name.endswith((".py", ".pyc")) or ".cpython-" in name or name.endswith((".so", ".pyd", ".abi3.so")):
            stem = name.split(".", 1)[0]
            dotted = dirs + ([] if stem == "__init__" else [stem])
        else:
            continue  # data files: not importable by themselves
        if not all(p.isidentifier() for p in dotted):
            continue
        for i in range(1, len(dotted) + 1):
            modules.add(".".join(dotted[:i]))
    return modules


def module_index(snapshot: Mapping[str, Any]) -> tuple[dict[str, set[str]], list[str]]:
    """Map dotted module names to the distributions providing them.

    Reads each package's ``top_level.txt`` and ``RECORD`` (``installed-files.txt`` for
    egg-info) from its ``metadata_path``. Returns the index and the metadata paths that
    could not be read.
    """
    index: dict[str, set[str]] = {}
    unreadable: list[str] = []
    for package in snapshot.get("packages", []):
        meta = Path(package.get("metadata_path") or "")
        name = package["name"]
        modules: set[str] = set()
        readable = False
        for listing in ("RECORD", "installed-files.txt"):
            try:
                modules |= _record_modules((meta / listing).read_text(encoding="utf-8", errors="replace"))
                readable = True
            except OSError:
                pass
        try:
            tops = (meta / "top_level.txt").read_text(encoding="utf-8", errors="replace")
            modules |= {t.strip().replace("/", ".") for t in tops.splitlines() if t.strip()}
            readable = True
        except OSError:
            pass
        if not readable and package.get("kind") != "egg":
            unreadable.append(str(meta))
        for module in modules:
            index.setdefault(module, set()).add(name)
    return index, unreadable


def _resolve(module: str, index: Mapping[str, set[str]]) -> set[str]:
    """Distributions providing ``module``: the longest dotted prefix any of them lists,
    so ``google.protobuf`` maps to protobuf, not to every ``google.*`` namespace package."""
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        found = index.get(".".join(parts[:i]))
        if found:
            return found
    return set()


# --- minimal requirements ------------------------------------------------------------


@dataclass
class MinimalRequirements:
    """What a worker needs: pinned requirements for the roots' closure, and what is missing."""

    needed: list[dict[str, Any]]
    installed: int
    #: Imports that no installed distribution provides (and that are not local files).
    unresolved_imports: list[str] = field(default_factory=list)
    #: Requirements the closure met that are not installed where it was computed.
    not_installed: list[dict[str, Any]] = field(default_factory=list)
    #: Each import (or root) -> the distributions it was mapped to.
    imports: dict[str, list[str]] = field(default_factory=dict)
    #: Metadata directories that could not be read.
    unreadable: list[str] = field(default_factory=list)

    @property
    def requirements(self) -> list[str]:
        """``name==version`` pins, sorted by name."""
        return [f"{n['display_name']}=={n['version']}" for n in self.needed]

    @property
    def incompatible_with_target(self) -> list[str]:
        """Pins whose Requires-Python excludes the target interpreter (they will not install)."""
        return [
            f"{n['display_name']}=={n['version']} (Requires-Python {n['requires_python_excludes_target']})"
            for n in self.needed
            if n.get("requires_python_excludes_target")
        ]

    @property
    def summary(self) -> str:
        return f"{self.installed} installed, {len(self.needed)} needed"

    def to_requirements_txt(self) -> str:
        lines = [f"# genevars requirements: {self.summary}"]
        for module in self.unresolved_imports:
            lines.append(f"# unresolved import (no installed distribution provides it): {module}")
        for missing in self.not_installed:
            by = missing.get("required_by") or "a root"
            lines.append(f"# not installed here: {missing['requirement']} (required by {by})")
        for pin in self.incompatible_with_target:
            lines.append(f"# will not install on the target interpreter: {pin}")
        lines += self.requirements
        # A value from package metadata must not start a requirement line of its own.
        return "".join(shown_line(line) + "\n" for line in lines)

    def manifest(self, name: str = "requirements") -> ManifestBuilder:
        """A ``genevars.ManifestBuilder`` with these pins."""
        from genevars._manifest import ManifestBuilder

        return ManifestBuilder.create(name).pip(self.requirements)


def minimal_requirements(
    roots: PathLike | Iterable[PathLike],
    *,
    snapshot: SnapshotLike | None = None,
    target: SnapshotLike | None = None,
) -> MinimalRequirements:
    """The installed distributions that the roots need, pinned, with a summary.

    A root is a Python file or directory (its imports are mapped to distributions through
    ``top_level.txt`` and ``RECORD``; standard-library and local modules are skipped), an
    installed distribution (``"pandas"``, ``"ray[default]"``), or a module name
    (``"sklearn.linear_model"``). The closure follows Requires-Dist with the markers of
    ``target`` (the workers' snapshot; default: ``snapshot``, itself defaulting to this
    environment).

        >>> result = minimal_requirements(["udf.py"], target="worker.json")
        >>> result.summary, result.requirements[:2]
        ('448 installed, 23 needed', ['numpy==1.26.4', 'pandas==2.3.3'])
    """
    source_json = _snapshot_json(snapshot)
    source = json.loads(source_json)
    target_json = _snapshot_json(target, "target snapshot") if target is not None else None
    if isinstance(roots, (str, os.PathLike)):
        roots = [roots]
    installed = {p["name"] for p in source.get("packages", [])}
    stdlib = _stdlib_names()
    index: dict[str, set[str]] | None = None
    unreadable: list[str] = []
    requirement_roots: list[str] = []
    imports: dict[str, list[str]] = {}
    unresolved: set[str] = set()

    def lookup(module: str) -> set[str]:
        nonlocal index, unreadable
        if index is None:
            index, unreadable = module_index(source)
        found = _resolve(module, index)
        if not found:
            # Editable installs list no modules in RECORD (only a .pth or a finder); a
            # distribution named like the top-level module is the best evidence left.
            top = re.sub(r"[-_.]+", "-", module.split(".", 1)[0]).lower()
            found = {top} if top in installed else set()
        return found

    for root in roots:
        text = os.fspath(root)
        path = Path(text)
        if text.endswith(".py") or path.is_dir():
            if not path.exists():
                raise _core.GenevarsError(f"{text}: no such file; pass a Python file, a directory or a package name")
            base = path if path.is_dir() else path.parent
            candidates: set[str] = set()
            for module in sorted(imports_of(path)):
                top = module.split(".", 1)[0]
                if top in stdlib:
                    continue
                dists = lookup(module)
                if dists:
                    imports[module] = sorted(dists)
                    requirement_roots.extend(dists)
                elif not ((base / f"{top}.py").exists() or (base / top).is_dir()):
                    candidates.add(top)  # not the project's own module either
            # `from numpy import array` also yields `numpy.array`: a top-level name is
            # unresolved only when nothing under it resolved.
            unresolved.update(
                top for top in candidates if not any(m.split(".", 1)[0] == top for m in imports)
            )
            continue
        name = text.split("[", 1)[0].split(";", 1)[0].strip()
        normalized = re.sub(r"[-_.]+", "-", name).lower()
        if normalized in installed:
            requirement_roots.append(text)
            imports[text] = [normalized]
            continue
        dists = lookup(text)
        if dists:
            imports[text] = sorted(dists)
            requirement_roots.extend(sorted(dists))
        else:
            unresolved.add(text)

    closure = json.loads(
        _core.requirement_closure(source_json, sorted(set(requirement_roots)), target_json)
    )
    return MinimalRequirements(
        needed=closure["needed"],
        installed=closure["installed"],
        unresolved_imports=sorted(unresolved),
        not_installed=closure["not_installed"],
        imports={k: imports[k] for k in sorted(imports)},
        unreadable=unreadable,
    )
