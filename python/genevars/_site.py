"""Shipping the local site-packages to the workers: only what they lack, checked first.

``Manifest.create_site(name)`` asks for this; :func:`plan_site` decides what goes. Each
distribution the workers lack (or hold in another version) is packed from its RECORD,
metadata folder included, into a zip named by its content hash, and unpacked into a
content-addressed folder beside it. Every top-level entry of that folder (a package
directory, a ``.py`` module, the ``.dist-info``) becomes a ``py_modules`` entry: Ray
uploads each as a package named by the hash of its content, so a node that has it already
reuses it, and puts it first on the workers' ``PYTHONPATH``.

Before anything is shipped, a distribution with compiled extensions is checked against
each worker group's Python and platform; one that cannot load there is refused with an
``error`` finding saying what to do instead (the zip would fail with ``ModuleNotFoundError``
or a crash on the workers). Ray itself, the packages Ray depends on, and genevars are never
shipped: replacing them under a running worker breaks the worker.

Example::

    >>> from genevars import Manifest, get_comparison_result
    >>> plan = Manifest.create_site("dev").build().site_plan(get_comparison_result())
    >>> print(plan.summary())
    shipping 2 distributions, 41.0 kB; 312 already on the workers
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from genevars._probe import normalized_name

__all__ = ["ShippedDistribution", "SitePlan", "WorkerPlatform", "plan_site", "workspace_root"]

# Ray refuses a package of 512 MiB or more (its gRPC message limit) and warns from half of
# that; a distribution is refused above the warning size, so the job never starts half-set-up.
MAX_DISTRIBUTION_BYTES = 256 * 1024 * 1024
# Never shipped: replacing them under a worker breaks the worker itself.
NEVER_SHIPPED = frozenset({"ray", "genevars", "pip", "setuptools", "wheel"})
# Zip entries get this fixed time, so the same files always make the same zip (and hash).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
# `foo.cpython-311-x86_64-linux-gnu.so`, `foo.cpython-312-darwin.so`, `foo.abi3.so`, `foo.pyd`.
_EXTENSION = re.compile(r"\.(?:(?P<impl>cpython|pypy)-?(?P<ver>\d+)[^.]*?(?:-(?P<plat>[^.]+))?|abi3)?\.(?:so|pyd)$")



@dataclass(frozen=True)
class WorkerPlatform:
    """What a worker group runs: enough to tell whether a compiled extension loads there."""

    label: str
    python: Tuple[int, int]
    system: str
    machine: str

    @classmethod
    def of_side(cls, label: str, side: Mapping[str, Any]) -> Optional["WorkerPlatform"]:
        """From a comparison's ``groups[i]["remote"]`` (``python`` is ``sys.version``,
        ``os`` is ``"Linux 5.15.0 (x86_64)"``)."""
        version = re.match(r"(\d+)\.(\d+)", str(side.get("python") or ""))
        system = re.match(r"(\S+) .*\((.+)\)\s*$", str(side.get("os") or ""))
        if not version or not system:
            return None
        return cls(label, (int(version[1]), int(version[2])), system[1], system[2])

    @classmethod
    def of_snapshot(cls, label: str, snapshot: Mapping[str, Any]) -> Optional["WorkerPlatform"]:
        info = (snapshot.get("python") or {}).get("version_info") or {}
        plat = snapshot.get("platform") or {}
        if "major" not in info or not plat.get("system"):
            return None
        return cls(label, (int(info["major"]), int(info["minor"])), plat["system"], plat.get("machine") or "")

    def refuses(self, extension: str, wheel_tags: Sequence[str]) -> Optional[str]:
        """Why a compiled file built as ``extension`` (a file name) cannot load here, or None."""
        found = _EXTENSION.search(extension)
        if found and found["ver"]:
            built = found["ver"]
            if built != f"{self.python[0]}{self.python[1]}":
                return f"built for Python {built[0]}.{built[1:]}, the workers run {self.python[0]}.{self.python[1]}"
        plat = (found["plat"] if found else None) or ""
        tags = " ".join(wheel_tags).lower()
        system, machine = self.system.lower(), self.machine.lower()
        if "darwin" in plat or "macosx" in tags:
            built_for = "macOS"
        elif extension.endswith(".pyd") or re.search(r"\bwin", tags):
            built_for = "Windows"
        elif "linux" in plat or "linux" in tags:
            built_for = "Linux"
        else:
            return None  # nothing says; let it go (an untagged .so is usually built here)
        wanted = {"darwin": "macOS", "windows": "Windows", "linux": "Linux"}.get(system, self.system)
        if built_for != wanted:
            return f"built for {built_for}, the workers run {self.system} ({self.machine})"
        arch = _arch_of(plat + " " + tags)
        if arch and machine and _arch_of(machine) != arch:
            return f"built for {arch}, the workers run {self.machine}"
        return None


def _arch_of(text: str) -> Optional[str]:
    text = text.lower()
    for arch, spellings in (
        ("x86_64", ("x86_64", "amd64")),
        ("aarch64", ("aarch64", "arm64")),
        ("ppc64le", ("ppc64le",)),
        ("s390x", ("s390x",)),
    ):
        if any(s in text for s in spellings):
            return arch
    return None


@dataclass(frozen=True)
class ShippedDistribution:
    """One distribution packed for the workers."""

    name: str
    version: str
    #: The zip named by its content hash (kept only with ``delete_local_zips(False)``).
    zip_path: Optional[str]
    #: The unpacked folder whose top-level entries are the ``py_modules`` entries.
    folder: str
    size: int
    py_modules: Tuple[str, ...]


@dataclass
class SitePlan:
    """What :func:`plan_site` decided: shipped, already there, refused, left out."""

    shipped: List[ShippedDistribution] = field(default_factory=list)
    #: Distributions the workers already have at the local version.
    already_on_workers: List[str] = field(default_factory=list)
    #: ``error`` findings (comparison-shaped dicts) for distributions that cannot be shipped.
    refused: List[Dict[str, Any]] = field(default_factory=list)
    #: Never shipped: Ray, its dependencies, genevars and the installers.
    left_out: List[str] = field(default_factory=list)
    #: The worker platforms the extensions were checked against (empty: none known).
    platforms: List[WorkerPlatform] = field(default_factory=list)

    @property
    def py_modules(self) -> List[str]:
        return [entry for dist in self.shipped for entry in dist.py_modules]

    @property
    def total_bytes(self) -> int:
        return sum(d.size for d in self.shipped)

    def summary(self) -> str:
        """One line, as shown before the upload."""
        line = f"shipping {len(self.shipped)} distribution{'s' * (len(self.shipped) != 1)}, {_size(self.total_bytes)}"
        if self.already_on_workers:
            line += f"; {len(self.already_on_workers)} already on the workers"
        if self.refused:
            line += f"; {len(self.refused)} refused (see the findings)"
        if not self.platforms:
            line += "; no worker platform known, compiled extensions unchecked (compare with the cluster first)"
        return line


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n} B"


# --- reading what is installed ---------------------------------------------------------


def _record_files(package: Mapping[str, Any]) -> Optional[List[str]]:
    """Paths (relative to the package's location) that belong to the distribution, from
    its RECORD (dist-info) or installed-files.txt (egg-info); None when it has neither."""
    location = Path(package["location"])
    meta = Path(package.get("metadata_path") or "")
    files: List[str] = []
    record = meta / "RECORD"
    if record.is_file():
        with open(record, newline="", encoding="utf-8", errors="replace") as fh:
            files = [row[0] for row in csv.reader(fh) if row and row[0]]
    elif (meta / "installed-files.txt").is_file():
        base = meta.relative_to(location) if meta.is_relative_to(location) else Path(".")
        lines = (meta / "installed-files.txt").read_text(encoding="utf-8", errors="replace").splitlines()
        files = [os.path.normpath(base / line.strip()) for line in lines if line.strip()]
    else:
        return None
    kept = []
    for name in files:
        path = os.path.normpath(name)
        # Scripts (../../bin) and anything else outside site-packages stay behind; so do
        # byte-code caches, which the workers' Python makes for itself.
        if path.startswith("..") or os.path.isabs(path) or "__pycache__" in Path(path).parts:
            continue
        if (location / path).is_file():
            kept.append(path)
    meta_rel = str(meta.relative_to(location)) if meta.is_relative_to(location) else None
    if meta_rel:
        for extra in ("METADATA", "PKG-INFO", "RECORD", "WHEEL", "top_level.txt", "INSTALLER"):
            rel = os.path.join(meta_rel, extra)
            if (location / rel).is_file() and rel not in kept:
                kept.append(rel)
    return sorted(set(kept))


def _wheel_tags(package: Mapping[str, Any]) -> List[str]:
    wheel = Path(package.get("metadata_path") or "") / "WHEEL"
    try:
        text = wheel.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.lower().startswith("tag:")]


def _requirement_names(package: Mapping[str, Any], with_extras: bool) -> List[str]:
    """The names a distribution requires; with ``with_extras`` also those only its
    extras bring."""
    names = []
    for requirement in package.get("requires_dist") or ():
        name, _, marker = str(requirement).partition(";")
        if "extra" in marker and not with_extras:
            continue
        found = _NAME.match(name.strip())
        if found:
            names.append(normalized_name(found[0]))
    return names


def _protected(packages: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Never shipped: :data:`NEVER_SHIPPED`, whatever any extra of Ray may import, and
    what those require in turn."""
    seen = set(NEVER_SHIPPED)
    todo = [n for n in _requirement_names(packages.get("ray") or {}, with_extras=True) if n in packages]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(n for n in _requirement_names(packages[name], with_extras=False) if n in packages)
    return seen


def _content_digest(location: Path, files: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for rel in files:
        digest.update(rel.encode() + b"\0")
        with open(location / rel, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def _pack(location: Path, files: Sequence[str], zip_path: Path) -> None:
    """A reproducible zip: sorted entries, one fixed time, permissions kept.

    Stored, not deflated: Ray compresses each ``py_modules`` folder again for its upload,
    so deflating here would cost half the packing time for nothing sent."""
    tmp = zip_path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
        for rel in files:
            source = location / rel
            info = zipfile.ZipInfo(rel.replace(os.sep, "/"), ZIP_EPOCH)
            info.external_attr = (source.stat().st_mode & 0o777 | 0o100000) << 16
            with open(source, "rb") as fh:
                archive.writestr(info, fh.read())
    os.replace(tmp, zip_path)


def _site_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "genevars" / "site"


def _py_module_entries(folder: Path) -> Tuple[List[str], List[str]]:
    """Ray's py_modules take directories and ``.py`` files; other top-level files (a
    single-file compiled module, a ``.pth``) cannot be shipped that way."""
    entries, unshippable = [], []
    for child in sorted(folder.iterdir()):
        if child.is_dir() or child.suffix == ".py":
            entries.append(str(child))
        else:
            unshippable.append(child.name)
    return entries, unshippable


# --- deciding ---------------------------------------------------------------------------


def _refusal(name: str, version: str, code: str, message: str, hint: str) -> Dict[str, Any]:
    return {
        "severity": "error", "category": "site", "code": code, "subject": name,
        "local": version, "remote": None, "message": message, "hint": hint,
    }


def _differing(comparison: Mapping[str, Any]) -> Optional[set[str]]:
    """Names the workers lack or hold in another version; None without a comparison."""
    diffs = comparison.get("pkg_diffs") or {}
    names = set(diffs.get("only_local") or ())
    names.update(row[0] for row in diffs.get("version_mismatch") or ())
    return {normalized_name(n) for n in names}


def _platforms(comparison: Mapping[str, Any]) -> List[WorkerPlatform]:
    found = []
    for group in comparison.get("groups") or ():
        label = group.get("label") or f"group {group.get('index')}"
        platform = WorkerPlatform.of_side(label, group.get("remote") or {})
        if platform:
            found.append(platform)
    if not found and isinstance(comparison.get("remote"), Mapping):
        platform = WorkerPlatform.of_snapshot("remote", comparison["remote"])
        if platform:
            found.append(platform)
    return found


def plan_site(
    comparison: Any = None,
    *,
    output_dir: Optional[str] = None,
    keep_zips: bool = False,
    local: Any = None,
    max_bytes: int = MAX_DISTRIBUTION_BYTES,
) -> SitePlan:
    """Decide and pack what the workers need of the local site-packages.

    ``comparison`` (a ComparisonResult or its dict, from the cluster the job runs on)
    limits the shipment to what the workers lack or hold in another version and gives
    the platforms compiled extensions are checked against; without it, every
    distribution but Ray, its dependencies, genevars and the installers is shipped,
    unchecked. ``output_dir`` keeps the zips there (with ``keep_zips``); ``local`` is the
    snapshot to ship from (default: this interpreter's).

    Example::

        >>> plan = plan_site(compare_ray_environments(), output_dir="zips", keep_zips=True)
        >>> plan.py_modules      # what Manifest.to_runtime_env() adds to py_modules
        ['/root/.cache/genevars/site/attrs-24.2.0-1f0c.../attr', ...]
    """
    from genevars._snapshot import snapshot_env

    data = comparison.to_dict() if hasattr(comparison, "to_dict") else comparison
    snapshot: Any = local if local is not None else snapshot_env()
    snap = snapshot.to_dict() if hasattr(snapshot, "to_dict") else snapshot
    packages = {p["name"]: p for p in snap.get("packages") or () if p.get("location")}
    plan = SitePlan(platforms=_platforms(data) if data else [])
    wanted = _differing(data) if data else None
    protected = _protected(packages)
    cache = _site_cache()
    zips = Path(output_dir) if output_dir else cache
    cache.mkdir(parents=True, exist_ok=True)
    zips.mkdir(parents=True, exist_ok=True)
    for name in sorted(packages):
        package = packages[name]
        version = str(package.get("version") or "")
        if name in protected:
            plan.left_out.append(name)
            continue
        if wanted is not None and name not in wanted:
            plan.already_on_workers.append(name)
            continue
        direct_url = package.get("direct_url") or {}
        if (direct_url.get("dir_info") or {}).get("editable"):
            plan.refused.append(_refusal(name, version, "site_editable",
                f"{name} {version} is an editable install; its code lives in the project, not in site-packages",
                f"ship the project itself: .py_modules([...its package directory...]) or .working_dir(...)"))
            continue
        if package.get("kind") not in ("dist-info", "egg-info"):
            plan.refused.append(_refusal(name, version, "site_unreadable_layout",
                f"{name} {version} is installed as {package.get('kind')}, which cannot be packed",
                f"pin it with .pip(['{name}=={version}'])"))
            continue
        files = _record_files(package)
        if not files:
            plan.refused.append(_refusal(name, version, "site_no_record",
                f"{name} {version} has no RECORD listing its files, so what to ship is unknown",
                f"pin it with .pip(['{name}=={version}'])"))
            continue
        location = Path(package["location"])
        size = sum((location / f).stat().st_size for f in files)
        if size > max_bytes:
            plan.refused.append(_refusal(name, version, "site_too_big",
                f"{name} {version} is {_size(size)}, above the {_size(max_bytes)} a Ray package may hold",
                f"pin it with .pip(['{name}=={version}']) so the workers install it themselves"))
            continue
        tags = _wheel_tags(package)
        compiled = [f for f in files if f.endswith((".so", ".pyd")) or ".so." in f]
        reasons = {r for f in compiled for p in plan.platforms for r in [p.refuses(os.path.basename(f), tags)] if r}
        if reasons:
            plan.refused.append(_refusal(name, version, "site_platform_mismatch",
                f"{name} {version} has compiled extensions that cannot load on the workers: {'; '.join(sorted(reasons))}",
                f"install {name} for the workers' platform: pin it with .pip(['{name}=={version}'])"))
            continue
        digest = _content_digest(location, files)
        stem = f"{name}-{version}-{digest[:16]}"
        zip_path = zips / f"{stem}.zip"
        folder = cache / stem
        if not folder.is_dir():
            _pack(location, files, zip_path)
            tmp = cache / f".{stem}.unpacking-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(tmp)
            os.replace(tmp, folder)
        elif keep_zips and not zip_path.exists():
            _pack(location, files, zip_path)
        entries, unshippable = _py_module_entries(folder)
        if unshippable:
            plan.refused.append(_refusal(name, version, "site_unshippable_file",
                f"{name} {version} installs top-level files Ray's py_modules cannot carry: {', '.join(unshippable)}",
                f"pin it with .pip(['{name}=={version}'])"))
            continue
        kept = str(zip_path) if keep_zips and zip_path.exists() else None
        if not keep_zips and zip_path.exists():
            zip_path.unlink()
        plan.shipped.append(ShippedDistribution(name, version, kept, folder=str(folder), size=size, py_modules=tuple(entries)))
    return plan


def workspace_root(start: Optional[str] = None) -> Optional[str]:
    """The repository root above ``start`` (default: the current directory), else the
    directory itself; None for ``/`` or the home directory, which are never uploaded whole."""
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return str(candidate)
    if here == Path(here.anchor) or here == Path.home().resolve():
        return None
    return str(here)


def print_summary(plan: SitePlan, stream: Any = None) -> None:
    (stream or sys.stderr).write(f"genevars: {plan.summary()}\n")
