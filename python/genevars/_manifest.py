"""Manifests: the Ray ``runtime_env`` that makes workers match, built and checked.

Build one the way geneva's docs show, and hand it to Ray::

    >>> from genevars import ManifestBuilder
    >>> manifest = ManifestBuilder.create("fix").pip(["numpy==1.26.4"]).build()
    >>> manifest.to_runtime_env()
    {'pip': ['numpy==1.26.4']}

Validation happens in ``build()`` (in the Rust core): every error is a
:class:`genevars.ManifestError` that names the entry and says what to do. A built
:class:`Manifest` is immutable, has a stable ``checksum``, and never shows a secret
value unless asked (``to_json(reveal_values=True)``).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import warnings
from types import ModuleType
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping, Union

from genevars._core import (
    ManifestError,
    NativeManifest,
    display_value,
    fix_from_comparison,
    fix_from_json,
    mask_credentials,
)

if TYPE_CHECKING:
    from genevars._site import SitePlan

__all__ = [
    "GenevaManifestBuilder",
    "Manifest",
    "ManifestBuilder",
    "fix_manifest_builder",
]

PathLike = Union[str, "os.PathLike[str]"]


def split_secret_env(runtime_env: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """``(runtime_env without its secret env_vars, those variables)``: the values of
    secret-looking names, secret-shaped values and URLs with credentials.

    Ray writes every runtime_env, values included, to each node's
    ``runtime_env_agent.log``: what is taken out here reaches workers another way (the
    probes' object store argument, a job's setup hook)."""
    env_vars = runtime_env.get("env_vars")
    if not isinstance(env_vars, dict):
        return runtime_env, {}
    secrets = {
        k: v
        for k, v in env_vars.items()
        if isinstance(k, str) and isinstance(v, str) and display_value(k, v) != v
    }
    if not secrets:
        return runtime_env, {}
    rest = dict(runtime_env)
    plain = {k: v for k, v in env_vars.items() if k not in secrets}
    if plain:
        rest["env_vars"] = plain
    else:
        del rest["env_vars"]
    return rest, secrets


def _secrets_to_setup_hook(runtime_env: dict[str, Any]) -> dict[str, Any]:
    """``runtime_env`` with its secret ``env_vars`` set by a ``worker_process_setup_hook``."""
    runtime_env, secrets = split_secret_env(runtime_env)
    if not secrets:
        return runtime_env
    if "worker_process_setup_hook" in runtime_env:
        raise _error(
            "secrets_in_setup_hook: the runtime_env already has a worker_process_setup_hook; "
            "set the variables in that hook instead"
        )
    runtime_env["worker_process_setup_hook"] = _environment_setter(secrets)
    return runtime_env


def _environment_setter(values: dict[str, str]) -> Any:
    # A closure: cloudpickle ships its code by value, so workers without genevars run it.
    def genevars_set_environment() -> None:
        import os

        os.environ.update(values)

    return genevars_set_environment


def _error(message: str) -> ManifestError:
    """A ManifestError whose message has its credentials masked: messages echo the
    caller's input, and no exception carries a secret."""
    return ManifestError(mask_credentials(message))


def _fspath(method: str, value: Any) -> str:
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    raise _error(f".{method}() takes a path, got {type(value).__name__}")


def _strings(method: str, values: Any, example: str) -> list[str]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise _error(
            f".{method}() takes a list, got {type(values).__name__}: write .{method}([{example}])"
        )
    out = []
    for i, value in enumerate(values, 1):
        if not isinstance(value, str):
            raise _error(
                f".{method}() entry {i} must be a string, got {type(value).__name__}"
            )
        out.append(value)
    return out


def _text(method: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _error(f".{method}() takes a string, got {type(value).__name__}")
    return value


def _flag(method: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _error(f".{method}() takes True or False, got {type(value).__name__}")
    return value


def _module_path(module: Any) -> str:
    """A py_modules entry: a path or URI as given, or the directory of a package object."""
    if isinstance(module, ModuleType):
        paths = list(getattr(module, "__path__", []) or [])
        if not paths:
            raise _error(
                f"py_modules: {module.__name__} is a single-file module; Ray ships package "
                "directories: put its folder in .working_dir(...) instead"
            )
        return str(paths[0])
    return _fspath("py_modules", module)


def _default_image() -> str:
    """``rayproject/ray:<local ray version>-py<XY>``, the image matching this machine."""
    from importlib import metadata

    try:
        ray_version = metadata.version("ray")
    except metadata.PackageNotFoundError:
        raise _error(
            "ray is not installed here, so there is no default image to match; "
            "pass one with .head_image(...) / .worker_image(...)"
        ) from None
    tag = f"{ray_version}-py{sys.version_info[0]}{sys.version_info[1]}"
    if platform.machine().lower() in ("aarch64", "arm64"):
        tag += "-aarch64"
    return f"rayproject/ray:{tag}"


class ManifestBuilder:
    """Collects what workers need, then validates it all in :meth:`build`.

    Every setter returns the builder, so calls chain::

        >>> import os
        >>> manifest = (ManifestBuilder.create("my-manifest")
        ...             .pip(["numpy==1.26.4", "attrs==23.2.0"])
        ...             .env({"MODE": "batch"})
        ...             .env_from_local(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
        ...             .build())

    ``env_from_local`` names are read from ``os.environ`` each time
    :meth:`Manifest.to_runtime_env` is called, so their values are never stored.
    """

    def __init__(self, name: str) -> None:
        self._spec: dict[str, Any] = {}
        self._advice: list[str] = []
        self.name(name)

    @classmethod
    def create(cls, name: str) -> "ManifestBuilder":
        """A new builder for a manifest called ``name``."""
        return cls(name)

    def _set(self, key: str, value: Any) -> "ManifestBuilder":
        self._spec[key] = value
        return self

    # --- identity -------------------------------------------------------------------
    def name(self, name: str) -> "ManifestBuilder":
        """Rename the manifest (the name does not enter the checksum)."""
        return self._set("name", _text("name", name))

    def version(self, version: str) -> "ManifestBuilder":
        """A version label for people (does not enter the checksum)."""
        return self._set("version", str(version))

    # --- pip ------------------------------------------------------------------------
    def pip(self, packages: Iterable[str]) -> "ManifestBuilder":
        """Set the pip requirements (PEP 508), e.g. ``["numpy==1.26.4"]``."""
        return self._set("pip", _strings("pip", packages, '"numpy==1.26.4"'))

    def add_pip(self, package: str) -> "ManifestBuilder":
        """Add one pip requirement."""
        self._spec.setdefault("pip", []).extend(_strings("add_pip", [package], ""))
        return self

    def requirements_path(self, path: PathLike) -> "ManifestBuilder":
        """Read pip requirements from a local requirements.txt (read at build time)."""
        return self._set("requirements_path", _fspath("requirements_path", path))

    def add_extra_index_url(self, url: str) -> "ManifestBuilder":
        """Add a package index searched besides PyPI (``--extra-index-url``)."""
        self._spec.setdefault("extra_index_urls", []).extend(
            _strings("add_extra_index_url", [url], "")
        )
        return self

    def pip_check(self, enabled: bool = True) -> "ManifestBuilder":
        """Run ``pip check`` after installing on the workers."""
        return self._set("pip_check", _flag("pip_check", enabled))

    def pip_version(self, spec: str) -> "ManifestBuilder":
        """The pip version on the workers: ``"23.3.1"``, ``"==23.3.1"`` or ``">=23"``."""
        return self._set("pip_version", _text("pip_version", spec))

    def uv(self, enabled: bool = True) -> "ManifestBuilder":
        """Have Ray install the pip requirements with uv (its ``uv`` runtime_env field,
        Ray 2.40+), much faster than pip; ``pip_check``/``pip_version`` become
        ``uv_check``/``uv_version``.

        >>> ManifestBuilder.create("m").pip(["six==1.16.0"]).uv().build().to_runtime_env()
        {'uv': ['six==1.16.0']}
        """
        return self._set("installer", "uv" if _flag("uv", enabled) else "pip")

    def allow_unpinned(self, allowed: bool = True) -> "ManifestBuilder":
        """Do not warn about pip requirements (a conda environment's ``pip:`` list
        included) that lack an exact ``==`` pin or a URL."""
        return self._set("allow_unpinned", _flag("allow_unpinned", allowed))

    # --- conda ----------------------------------------------------------------------
    def conda(self, environment: Mapping[str, Any]) -> "ManifestBuilder":
        """An inline conda environment: ``{"dependencies": ["python=3.10", "numpy"]}``."""
        if not isinstance(environment, Mapping):
            raise _error(
                f".conda() takes a dict like {{'dependencies': [...]}}, got {type(environment).__name__}"
            )
        try:
            copy = json.loads(json.dumps(environment))
        except (TypeError, ValueError) as exc:
            raise _error(f".conda(): the environment must be plain data ({exc})") from None
        return self._set("conda", copy)

    def conda_environment_path(self, path: PathLike) -> "ManifestBuilder":
        """Read the conda environment from a local environment.yml (read at build time)."""
        return self._set("conda_environment_path", _fspath("conda_environment_path", path))

    # --- environment variables -------------------------------------------------------
    def env(self, variables: Mapping[str, str]) -> "ManifestBuilder":
        """Set environment variables on the workers (merged with earlier calls)."""
        if not isinstance(variables, Mapping):
            raise _error(f".env() takes a dict, got {type(variables).__name__}")
        self._spec.setdefault("env_vars", {}).update(variables)
        return self

    env_vars = env

    def add_env_var(self, key: str, value: str) -> "ManifestBuilder":
        """Set one environment variable on the workers."""
        return self.env({key: value})

    def env_from_local(self, keys: Union[str, Iterable[str]]) -> "ManifestBuilder":
        """Pass these variables with their local values, read when the runtime_env is made."""
        names = [keys] if isinstance(keys, str) else _strings("env_from_local", keys, '"AWS_ACCESS_KEY_ID"')
        current = self._spec.setdefault("env_from_local", [])
        current.extend(n for n in names if n not in current)
        return self

    # --- files ----------------------------------------------------------------------
    def py_modules(self, modules: Iterable[Union[str, ModuleType, "os.PathLike[str]"]]) -> "ManifestBuilder":
        """Ship local packages (directories, ``.whl`` files, URIs, or imported package objects)."""
        if isinstance(modules, (str, ModuleType)) or not isinstance(modules, Iterable):
            raise _error(
                f".py_modules() takes a list, got {type(modules).__name__}: write .py_modules([...])"
            )
        return self._set("py_modules", [_module_path(m) for m in modules])

    def add_py_module(self, module: Union[str, ModuleType, "os.PathLike[str]"]) -> "ManifestBuilder":
        """Ship one more local package."""
        self._spec.setdefault("py_modules", []).append(_module_path(module))
        return self

    def working_dir(self, path: PathLike) -> "ManifestBuilder":
        """Upload this directory (or .zip, or remote URI) as the workers' working directory."""
        return self._set("working_dir", _fspath("working_dir", path))

    def excludes(self, patterns: Iterable[str]) -> "ManifestBuilder":
        """gitignore-style patterns left out of working_dir / py_modules uploads."""
        return self._set("excludes", _strings("excludes", patterns, '"*.log"'))

    # --- images (cluster provisioning; not part of a runtime_env) ----------------------
    def head_image(self, image: str) -> "ManifestBuilder":
        """The container image of the head node."""
        return self._set("head_image", _text("head_image", image))

    def worker_image(self, image: str) -> "ManifestBuilder":
        """The container image of the worker nodes."""
        return self._set("worker_image", _text("worker_image", image))

    def image_uri(self, image: str) -> "ManifestBuilder":
        """A container image for this job's workers (Ray's ``image_uri`` runtime_env
        field, where the cluster supports it); Ray combines it only with env vars and
        config."""
        return self._set("image_uri", _text("image_uri", image))

    def py_executable(self, executable: str) -> "ManifestBuilder":
        """The Python executable (or command) Ray starts this job's workers with
        (Ray's ``py_executable``), e.g. ``"/opt/venv/bin/python"``."""
        return self._set("py_executable", _text("py_executable", executable))

    def default_head_image(self) -> "ManifestBuilder":
        """The ``rayproject/ray`` image matching the local Ray and Python versions."""
        return self.head_image(_default_image())

    def default_worker_image(self) -> "ManifestBuilder":
        """The ``rayproject/ray`` image matching the local Ray, Python and architecture."""
        return self.worker_image(_default_image())

    # --- packaging and setup ----------------------------------------------------------
    def upload_site_packages(self, enabled: bool = True) -> "ManifestBuilder":
        """Ask geneva to upload local site-packages (a plain runtime_env cannot; see to_runtime_env)."""
        return self._set("upload_site_packages", _flag("upload_site_packages", enabled))

    def delete_local_zips(self, enabled: bool = True) -> "ManifestBuilder":
        """Delete the zips made for upload afterwards (a local setting; not in the checksum)."""
        return self._set("delete_local_zips", _flag("delete_local_zips", enabled))

    def local_zip_output_dir(self, path: PathLike) -> "ManifestBuilder":
        """Where upload zips are written (a local setting; not in the checksum)."""
        return self._set("local_zip_output_dir", _fspath("local_zip_output_dir", path))

    def setup_timeout_seconds(self, seconds: int) -> "ManifestBuilder":
        """Fail a worker whose environment takes longer than this to set up (-1: no limit)."""
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise _error(
                f".setup_timeout_seconds() takes whole seconds, got {type(seconds).__name__}"
            )
        return self._set("setup_timeout_seconds", seconds)

    def eager_install(self, enabled: bool = True) -> "ManifestBuilder":
        """Install at ``ray.init()`` (True, Ray's default) or at first task (False)."""
        return self._set("eager_install", _flag("eager_install", enabled))

    # --- result ----------------------------------------------------------------------
    @property
    def advice(self) -> list[str]:
        """What a fix could not put in the manifest, and how to ship it instead."""
        return list(self._advice)

    def build(self) -> "Manifest":
        """Validate everything and return the immutable :class:`Manifest`.

        Raises :class:`genevars.ManifestError` naming the entry at fault. Requirements
        without an exact pin are reported with ``warnings.warn`` unless
        :meth:`allow_unpinned` was called.
        """
        spec = dict(self._spec)
        spec["advice"] = list(self._advice)
        for key, value in (spec.get("env_vars") or {}).items():
            if not isinstance(value, (str, int, float, bool, type(None), list, dict)):
                raise _error(
                    f"environment variable '{key}': the value must be a string, got "
                    f"{type(value).__name__}; pass str(value)"
                )
        try:
            text = json.dumps(spec)
        except (TypeError, ValueError) as exc:
            raise _error(f"manifest holds a value that is not plain data: {exc}") from None
        native, unpinned = NativeManifest.build(text)
        if unpinned and not spec.get("allow_unpinned"):
            warnings.warn(
                f"manifest '{native.name}': unpinned requirements {', '.join(unpinned)}; "
                "workers may install other versions than you tested: pin them with == "
                "(or call .allow_unpinned())",
                UserWarning,
                stacklevel=2,
            )
        return Manifest._wrap(native)

    def __repr__(self) -> str:
        return f"ManifestBuilder({self._spec.get('name')!r})"


#: geneva's name for the builder, so code written against geneva's docs runs unchanged.
GenevaManifestBuilder = ManifestBuilder


class Manifest:
    """A validated, immutable manifest: what Ray workers need, with a stable checksum.

    Make one with :class:`ManifestBuilder` (or the factories below), or load one::

        >>> m = Manifest.create_pip("dev").pip(["lancedb==0.21.0"]).build()
        >>> m.save("dev-manifest.json")
        >>> Manifest.load("dev-manifest.json").checksum == m.checksum
        True
        >>> import ray; ray.init(runtime_env=m.to_runtime_env())   # doctest: +SKIP
    """

    __slots__ = ("_native",)
    _native: NativeManifest

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            "build a Manifest with ManifestBuilder.create(name)....build(), or load one with "
            "Manifest.load(path) / Manifest.from_json(text)"
        )

    @classmethod
    def _wrap(cls, native: NativeManifest) -> "Manifest":
        self = object.__new__(cls)
        object.__setattr__(self, "_native", native)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Manifest is immutable: build a new one with ManifestBuilder")

    __delattr__ = __setattr__  # type: ignore[assignment]

    # --- factories (geneva's names) -----------------------------------------------------
    @staticmethod
    def create_pip(name: str) -> ManifestBuilder:
        """A builder for a pip-based manifest: ``Manifest.create_pip("dev").pip([...]).build()``."""
        return ManifestBuilder.create(name)

    @staticmethod
    def create_conda(name: str) -> ManifestBuilder:
        """A builder for a conda-based manifest: ``.conda({...})`` or ``.conda_environment_path(...)``."""
        return ManifestBuilder.create(name)

    @staticmethod
    def create_site(name: str) -> ManifestBuilder:
        """A builder that ships the local site-packages the workers lack, and the workspace
        (geneva's dev mode); see :meth:`Manifest.site_plan`."""
        return ManifestBuilder.create(name).upload_site_packages(True)

    # --- reading ------------------------------------------------------------------------
    def _masked(self) -> dict[str, Any]:
        masked: dict[str, Any] = json.loads(self._native.to_json(False))
        return masked

    @property
    def name(self) -> str:
        return self._native.name

    @property
    def checksum(self) -> str:
        """sha256 (hex) of :meth:`canonical_json`: same manifest, same checksum, anywhere."""
        return self._native.checksum

    @property
    def version(self) -> str | None:
        version: str | None = self._masked().get("version")
        return version

    @property
    def pip(self) -> tuple[str, ...]:
        """The pip list Ray installs (extra index options first), credentials masked."""
        d = self._masked()
        extra = tuple(f"--extra-index-url {u}" for u in d.get("extra_index_urls", []))
        return extra + tuple(d.get("pip", [])) + tuple(d.get("requirements", []))

    @property
    def env_vars(self) -> dict[str, str]:
        """Variables set on workers, as safe to show (secret values withheld)."""
        return {k: _shown(v) for k, v in self._masked().get("env_vars", {}).items()}

    @property
    def env_from_local(self) -> tuple[str, ...]:
        return tuple(self._native.env_from_local)

    @property
    def conda(self) -> dict[str, Any] | None:
        """The conda environment (inline, or as read from its file), credentials masked."""
        d = self._masked()
        return d.get("conda", d.get("conda_environment"))

    @property
    def py_modules(self) -> tuple[str, ...]:
        return tuple(self._masked().get("py_modules", []))

    @property
    def working_dir(self) -> str | None:
        return self._masked().get("working_dir")

    @property
    def head_image(self) -> str | None:
        return self._masked().get("head_image")

    @property
    def worker_image(self) -> str | None:
        return self._masked().get("worker_image")

    @property
    def advice(self) -> tuple[str, ...]:
        """What a fix could not install from an index, and how to ship it instead."""
        return tuple(self._masked().get("advice", []))

    # --- outputs ------------------------------------------------------------------------
    def to_runtime_env(self, comparison: Any = None, *, secrets_in_setup_hook: bool = False) -> dict[str, Any]:
        """The ``runtime_env`` dict for ``ray.init`` / ``.options`` / job submission.

        ``env_from_local`` values are read from ``os.environ`` now. Images are cluster
        settings, not runtime_env fields, so they are not included.

        A manifest made with :meth:`create_site` (``.upload_site_packages()``) ships the
        local distributions the workers need (see :meth:`site_plan`, which takes the same
        ``comparison``), printing what it ships on stderr, and uploads the workspace as
        ``working_dir`` unless one is set. It raises :class:`genevars.ManifestError` when
        a distribution cannot be shipped (compiled for another platform, too big).

        Ray writes a runtime_env, ``env_vars`` values included, to every node's
        ``runtime_env_agent.log``. With ``secrets_in_setup_hook=True`` (for
        ``ray.init(runtime_env=...)`` only: Ray takes a setup hook for a whole job) the
        secret variables (secret names, secret-shaped values, URLs with credentials) are
        set by a ``worker_process_setup_hook`` instead, which Ray keeps, pickled, in the
        GCS's key-value store rather than in its logs.

        >>> ManifestBuilder.create("m").env({"MODE": "x"}).build().to_runtime_env()
        {'env_vars': {'MODE': 'x'}}
        """
        local = {k: os.environ[k] for k in self._native.env_from_local if k in os.environ}
        runtime_env: dict[str, Any] = json.loads(self._native.runtime_env_json(local))
        if secrets_in_setup_hook:
            runtime_env = _secrets_to_setup_hook(runtime_env)
        if self._masked().get("upload_site_packages"):
            from genevars import _site

            plan = self.site_plan(comparison)
            if plan.refused:
                raise ManifestError(
                    f"manifest '{self.name}': {len(plan.refused)} local distribution(s) cannot be "
                    "shipped to the workers: "
                    + "; ".join(f"{f['message']} ({f['hint']})" for f in plan.refused)
                )
            _site.print_summary(plan)
            runtime_env["py_modules"] = list(runtime_env.get("py_modules") or ()) + plan.py_modules
            if "working_dir" not in runtime_env:
                workspace = _site.workspace_root()
                if workspace is not None:
                    runtime_env["working_dir"] = workspace
                    excludes = runtime_env.get("excludes") or []
                    sys.stderr.write(
                        f"genevars: working_dir {workspace} (what .gitignore ignores stays behind"
                        + (f"; excludes: {', '.join(excludes)}" if excludes else "")
                        + ")\n"
                    )
        return runtime_env

    def site_plan(self, comparison: Any = None) -> SitePlan:
        """What :meth:`to_runtime_env` ships of the local site-packages: a
        :class:`genevars._site.SitePlan` (``shipped``, ``already_on_workers``, ``refused``
        findings, ``summary()``).

        ``comparison`` is a comparison with the cluster (``get_comparison_result()``): only
        what its workers lack or hold in another version is shipped, and compiled
        extensions are checked against each node group's platform. Without one, and when
        this process is connected to Ray, genevars compares with the cluster first;
        otherwise everything but Ray, its dependencies and genevars is shipped, unchecked.
        ``local_zip_output_dir(path)`` with ``delete_local_zips(False)`` leaves each
        distribution's zip (named by its content hash) in ``path``.

        >>> plan = Manifest.create_site("dev").build().site_plan()   # doctest: +SKIP
        >>> print(plan.summary())                                     # doctest: +SKIP
        shipping 2 distributions, 41.0 kB; 312 already on the workers
        """
        from genevars import _site

        spec = self._masked()
        if comparison is None and _ray_connected():
            from genevars.compare_env import get_comparison_result

            comparison = get_comparison_result()
        return _site.plan_site(
            comparison,
            output_dir=spec.get("local_zip_output_dir"),
            keep_zips=spec.get("delete_local_zips") is False,
        )

    def to_dict(self, reveal_values: bool = False) -> dict[str, Any]:
        """The JSON form as a dict (secrets withheld unless ``reveal_values``)."""
        data: dict[str, Any] = json.loads(self._native.to_json(reveal_values))
        return data

    def to_json(self, indent: int | None = 2, reveal_values: bool = False) -> str:
        """The JSON form: secret values withheld and URL credentials masked unless
        ``reveal_values=True`` (needed to apply a saved manifest that sets secrets)."""
        return json.dumps(self.to_dict(reveal_values), indent=indent, sort_keys=False)

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        """Load JSON written by :meth:`to_json` (validated again)."""
        if not isinstance(text, str):
            raise _error(f"Manifest.from_json() takes a str, got {type(text).__name__}")
        return cls._wrap(NativeManifest.from_json(text))

    def save(self, path: PathLike, reveal_values: bool = False) -> None:
        """Write :meth:`to_json` to ``path``.

        Secret values are withheld unless ``reveal_values=True``: such a file loads and
        shows fine, but cannot make a runtime_env. Pass secrets with
        :meth:`ManifestBuilder.env_from_local` to keep them out of files altogether.
        """
        with open(os.fspath(path), "w", encoding="utf-8") as f:
            f.write(self.to_json(reveal_values=reveal_values))
            f.write("\n")

    @classmethod
    def load(cls, path: PathLike) -> "Manifest":
        """Read a manifest saved with :meth:`save`."""
        from genevars._io import read_input

        p = os.fspath(path)
        text = read_input(p, "manifest")
        try:
            return cls.from_json(text)
        except ManifestError as exc:
            raise _error(f"manifest file '{p}': {exc}") from None

    def canonical_json(self) -> str:
        """What the checksum hashes: sorted keys, no whitespace, secrets withheld."""
        return self._native.canonical_json()

    def to_requirements_txt(self, reveal_values: bool = False) -> str:
        """The pip requirements as a requirements.txt (URL credentials masked unless revealed)."""
        return self._native.to_requirements_txt(reveal_values)

    def to_python(self, reveal_values: bool = False) -> str:
        """Builder code that recreates this manifest (secrets read from ``os.environ``)."""
        return self._native.to_python(reveal_values)

    # --- protocol -----------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Manifest):
            return NotImplemented
        return self._native.to_json(True) == other._native.to_json(True)

    def __hash__(self) -> int:
        return hash(self.checksum)

    def __repr__(self) -> str:
        d = self._masked()
        parts = [f"name={self.name!r}", f"checksum={self.checksum[:12]!r}"]
        pip = self.pip
        if pip:
            parts.append(f"pip={list(pip)!r}")
        if self.conda is not None:
            parts.append(f"conda={self.conda!r}")
        if self.env_vars:
            parts.append(f"env_vars={self.env_vars!r}")
        for key in ("env_from_local", "py_modules", "working_dir", "head_image", "worker_image",
                    "image_uri", "py_executable", "installer"):
            if d.get(key):
                parts.append(f"{key}={d[key]!r}")
        return f"Manifest({', '.join(parts)})"

    def __str__(self) -> str:
        d = self._masked()
        lines = [f"Manifest '{self.name}'" + (f" version {d['version']}" if "version" in d else "")]
        lines.append(f"  checksum: {self.checksum}")
        if self.pip:
            lines.append("  pip:")
            lines.extend(f"    {p}" for p in self.pip)
        for key in ("requirements_path", "conda_environment_path"):
            if key in d:
                lines.append(f"  {key}: {d[key]}")
        if self.conda is not None:
            lines.append(f"  conda: {json.dumps(self.conda)}")
        if self.env_vars:
            lines.append("  env_vars:")
            lines.extend(f"    {k}={v}" for k, v in self.env_vars.items())
        if self.env_from_local:
            lines.append("  env_from_local (read when the runtime_env is made):")
            lines.extend(f"    {k}" for k in self.env_from_local)
        for key in ("py_modules", "excludes"):
            if d.get(key):
                lines.append(f"  {key}: {', '.join(d[key])}")
        for key in (
            "working_dir", "head_image", "worker_image", "image_uri", "py_executable",
            "installer", "upload_site_packages",
            "pip_check", "pip_version", "setup_timeout_seconds", "eager_install",
        ):
            if key in d:
                lines.append(f"  {key}: {d[key]}")
        if self.advice:
            lines.append("  advice:")
            lines.extend(f"    - {a}" for a in self.advice)
        from genevars._io import shown_line

        return "\n".join(shown_line(line) for line in lines)


def _ray_connected() -> bool:
    """Whether this process is connected to Ray, without importing Ray."""
    ray = sys.modules.get("ray")
    return bool(ray is not None and getattr(ray, "is_initialized", lambda: False)())


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    return value.get("display") or "<withheld>"


# --- the fix ---------------------------------------------------------------------------


def _comparison_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, Mapping):
        return dict(result)
    if hasattr(result, "to_dict"):
        return dict(result.to_dict())
    if hasattr(result, "to_json"):
        return dict(json.loads(result.to_json()))
    raise _error(
        f"fix_manifest_builder() takes a ComparisonResult (or its to_dict()), got {type(result).__name__}"
    )


def fix_manifest_builder(result: Any, name: str = "fix") -> ManifestBuilder:
    """A :class:`ManifestBuilder` that closes the gaps a comparison found.

    It pins the local version of every package that differs or is missing on the remote
    side (on any node group), passes variables missing remotely with
    :meth:`ManifestBuilder.env_from_local`, and records as ``builder.advice`` what no
    index can install (editable installs, PEP 660 and ``setup.py develop`` alike, local
    directories, direct URLs, packages of the OS or conda, local version labels no known
    index serves), what a runtime_env cannot change (Python, platform, Ray itself) and what
    would change Ray (its own dependencies, packages that require ray). Local labels a
    vendor index serves (``torch==2.2.0+cpu``) are pinned with that index. Ray-vendored packages
    (``expected`` findings) and genevars are left alone. Where every compared node group
    has uv and a Ray that knows the ``uv`` field (2.40+), the pins go to :meth:`ManifestBuilder.uv`
    (Ray installs them with uv, much faster than pip); else to pip.

    ``result`` is a ``ComparisonResult`` or its ``to_dict()`` (geneva's keys alone do)::

        >>> fix = fix_manifest_builder(result, "fix")          # doctest: +SKIP
        >>> fix.advice                                         # doctest: +SKIP
        >>> ray.init(runtime_env=fix.build().to_runtime_env())  # doctest: +SKIP
    """
    from genevars._compare import ComparisonResult

    if isinstance(result, ComparisonResult):
        fix = fix_from_comparison(result._native)
    else:
        fix = fix_from_json(json.dumps(_comparison_dict(result), default=str))
    builder = ManifestBuilder.create(name)
    for index in fix.extra_index_urls:
        builder.add_extra_index_url(index)
    if fix.pins:
        builder.pip(fix.pins)
        if fix.installer == "uv":
            builder.uv()
    if fix.env_from_local:
        builder.env_from_local(fix.env_from_local)
    builder._advice = fix.advice
    return builder
