"""Synthetic but realistic site-packages trees for the benchmarks.

A tree holds N distributions shaped like what pip, uv and setuptools leave behind:

- most as ``*.dist-info`` directories (METADATA, RECORD, WHEEL, INSTALLER, top_level.txt,
  some entry_points.txt, a few direct_url.json for editable installs);
- a share as ``*.egg-info`` directories (PKG-INFO, requires.txt, SOURCES.txt, ...) and as
  single-file ``*.egg-info`` (just PKG-INFO);
- each with its top-level import package beside it.

METADATA sizes follow what real environments show (median ~5 KB, a long tail up to ~100 KB
from long descriptions), with several Requires-Dist lines carrying markers and extras.
Names are synthetic and never collide with stdlib or installed modules, so a tree can sit on
PYTHONPATH safely. Output is deterministic for a given seed.

    python benches/fixtures.py site DIR --count 1000
    python benches/fixtures.py venv DIR --count 1000    # python -m venv DIR, then fill it
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import random
import re
import subprocess
import sys
from pathlib import Path

SYLLABLES = (
    "zor vex qua lin tro mab kel dun rix pho sam wel gor tin bax ulm cre fyn jod pek "
    "vor nim hal ost ruv kez lop dra sil mev"
).split()
SUFFIXES = ["", "", "", "-core", "-utils", "-client", "_sdk", ".tools", "-plugin", "-lite"]
LICENSES = ["MIT", "BSD-3-Clause", "Apache-2.0", "MPL-2.0", "ISC", "LGPL-3.0-or-later"]
CLASSIFIERS = [
    "Development Status :: 5 - Production/Stable",
    "Development Status :: 4 - Beta",
    "Intended Audience :: Developers",
    "Intended Audience :: Science/Research",
    "License :: OSI Approved :: MIT License",
    "License :: OSI Approved :: Apache Software License",
    "Operating System :: OS Independent",
    "Operating System :: POSIX :: Linux",
    "Programming Language :: Python",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3 :: Only",
    "Programming Language :: Python :: 3.9",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: Implementation :: CPython",
    "Topic :: Scientific/Engineering",
    "Topic :: Software Development :: Libraries :: Python Modules",
    "Typing :: Typed",
]
# Markers that hold on the benchmark interpreter (CPython 3.11 on Linux): what they guard
# must be installed and satisfied, as in any environment pip left consistent.
ACTIVE_MARKERS = [
    "",
    "",
    "",
    '; sys_platform == "linux"',
    '; platform_machine == "x86_64" and sys_platform == "linux"',
    '; implementation_name == "cpython"',
    '; python_version >= "3.9" and extra == "all"',
    '; extra == "all"',
]
# Markers that do not hold there (or extras nobody asks for): what they guard may be absent.
INACTIVE_MARKERS = ['; python_version < "3.9"', '; os_name == "nt"', '; extra == "test"', '; extra == "dev"']
WORDS = (
    "data array frame table stream cluster worker task schema query index vector cache "
    "buffer record field model layer tensor batch shard merge join filter reduce plan "
    "engine runtime client server token session config loader writer reader parser"
).split()


def _version(rng: random.Random) -> str:
    kind = rng.random()
    base = f"{rng.randint(0, 12)}.{rng.randint(0, 40)}.{rng.randint(0, 20)}"
    if kind < 0.70:
        return base
    if kind < 0.78:
        return f"{rng.randint(0, 5)}.{rng.randint(0, 30)}"
    if kind < 0.84:
        return f"20{rng.randint(18, 25)}.{rng.randint(1, 12)}.{rng.randint(1, 28)}"
    if kind < 0.90:
        return base + rng.choice(["rc1", "b2", "a1", ".dev0"])
    if kind < 0.95:
        return base + ".post" + str(rng.randint(1, 3))
    return base + rng.choice(["+cpu", "+cu121", "+local.1"])


def _names(count: int, rng: random.Random, taken: set[str]) -> list[str]:
    """Distinct display names whose PEP 503 forms and import names collide with nothing."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        if rng.random() < 0.15:
            stem = stem.capitalize()
        if rng.random() < 0.1:
            stem = "py" + stem
        name = stem + rng.choice(SUFFIXES)
        norm = normalize(name)
        if norm in seen or import_name(name) in taken:
            continue
        seen.add(norm)
        out.append(name)
    return out


def normalize(name: str) -> str:
    """PEP 503 normalized name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def import_name(name: str) -> str:
    return re.sub(r"[-.]+", "_", name).lower()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _description(rng: random.Random, name: str) -> str:
    """A markdown long description; log-normal size, median ~4 KB, tail to ~100 KB."""
    target = min(int(rng.lognormvariate(8.2, 0.9)), 100_000)
    parts = [f"# {name}\n\n{_text(rng, 30)}.\n\n## Installation\n\n```bash\npip install {name}\n```\n"]
    size = len(parts[0])
    while size < target:
        para = rng.choice(
            [
                f"\n## {_text(rng, 3).title()}\n\n{_text(rng, 60)}.\n",
                f"\n- {_text(rng, 8)}\n- {_text(rng, 10)}\n- {_text(rng, 6)}\n",
                f"\n```python\nimport {import_name(name)}\n{import_name(name)}.{rng.choice(WORDS)}({rng.randint(0, 99)})\n```\n",
                f"\n{_text(rng, 80)}.\n",
            ]
        )
        parts.append(para)
        size += len(para)
    return "".join(parts)


def _specifier(rng: random.Random, version: str) -> str:
    """A specifier the installed ``version`` satisfies, written the ways projects write them."""
    release = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if not release:  # pre/post/dev/local versions: leave them unconstrained
        return rng.choice(["", f"=={version}"])
    major, minor = int(release[1]), int(release[2])
    return rng.choice(
        ["", "", f">={version}", f">={major}.{minor}", f">={major}.0,<{major + 1}", f"~={major}.{minor}",
         f"=={version}", f">={major}.{max(minor - 1, 0)},!={major}.{minor + 1}.99"]
    )


def _requirements(rng: random.Random, versions: dict[str, str]) -> list[str]:
    """0-14 Requires-Dist lines: installed deps satisfied, absent ones only behind markers that do not hold."""
    names = list(versions)
    reqs = []
    for _ in range(rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 10, 14])):
        if rng.random() < 0.8:
            dep = rng.choice(names)
            extra = "[all]" if rng.random() < 0.05 else ""
            spec = _specifier(rng, versions[dep])
            if spec and rng.random() < 0.3:
                spec = f" ({spec})"
            reqs.append(f"{dep}{extra}{spec}{rng.choice(ACTIVE_MARKERS)}")
        else:
            absent = f"{rng.choice(['pytest', 'sphinx', 'mypy', 'pywin32', 'colorama'])}-{rng.choice(WORDS)}"
            reqs.append(f"{absent}>={rng.randint(1, 9)}.0{rng.choice(INACTIVE_MARKERS)}")
    return reqs


def _headers(rng: random.Random, name: str, version: str, metadata_version: str) -> list[str]:
    norm = normalize(name)
    lines = [
        f"Metadata-Version: {metadata_version}",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {_text(rng, rng.randint(4, 12)).capitalize()}",
        f"Home-page: https://github.com/example-org/{norm}",
        f"Author: {rng.choice(SYLLABLES).title()} {rng.choice(SYLLABLES).title()}",
        f"Author-email: {rng.choice(SYLLABLES)}@example.org",
        f"License: {rng.choice(LICENSES)}",
        f"Project-URL: Documentation, https://{norm}.readthedocs.io",
        f"Project-URL: Source, https://github.com/example-org/{norm}",
        f"Project-URL: Issues, https://github.com/example-org/{norm}/issues",
        f"Keywords: {','.join(rng.sample(WORDS, 4))}",
    ]
    lines += [f"Classifier: {c}" for c in rng.sample(CLASSIFIERS, rng.randint(6, 14))]
    lines.append(f"Requires-Python: >=3.{rng.choice([7, 8, 9])}")
    return lines


def _hash(rng: random.Random) -> str:
    digest = hashlib.sha256(rng.randbytes(16)).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _record(rng: random.Random, module: str, dist_dir: str) -> str:
    rows = [f"{module}/__init__.py,{_hash(rng)},{rng.randint(100, 9000)}"]
    for _ in range(int(rng.lognormvariate(2.8, 1.0)) % 400):
        sub = rng.choice(["", f"{rng.choice(WORDS)}/"])
        rows.append(f"{module}/{sub}{rng.choice(WORDS)}_{rng.randint(0, 999)}.py,{_hash(rng)},{rng.randint(100, 90000)}")
    for f in ("METADATA", "WHEEL", "INSTALLER", "top_level.txt"):
        rows.append(f"{dist_dir}/{f},{_hash(rng)},{rng.randint(10, 9000)}")
    rows.append(f"{dist_dir}/RECORD,,")
    return "\n".join(rows) + "\n"


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def make_site(site: Path, count: int, seed: int = 1, taken: set[str] | None = None) -> dict[str, str]:
    """Fill ``site`` with ``count`` distributions; return the expected {normalized name: version}."""
    rng = random.Random(seed)
    site.mkdir(parents=True, exist_ok=True)
    taken = set(taken or ()) | set(sys.stdlib_module_names) | {p.name.lower() for p in site.iterdir()}
    names = _names(count, rng, taken)
    versions = {name: _version(rng) for name in names}
    expected: dict[str, str] = {}
    for i, name in enumerate(names):
        version = versions[name]
        module = import_name(name)
        mod_dir = site / module
        mod_dir.mkdir(exist_ok=True)
        _write(mod_dir / "__init__.py", f'"""{name}."""\n__version__ = "{version}"\n')
        reqs = _requirements(rng, versions)
        extras = sorted({"all", "dev", "test"} if any("extra" in r or "[all]" in r for r in reqs) or rng.random() < 0.3 else set())
        description = _description(rng, name)
        kind = rng.random()
        if kind < 0.06:  # setuptools egg-info directory (develop / legacy installs)
            egg = site / f"{module}-{version}-py3.11.egg-info"
            egg.mkdir()
            head = _headers(rng, name, version, "2.1") + [f"Provides-Extra: {e}" for e in extras]
            _write(egg / "PKG-INFO", "\n".join(head) + "\nDescription-Content-Type: text/markdown\n\n" + description)
            plain = [r for r in reqs if ";" not in r]
            marked = [r for r in reqs if ";" in r]
            body = "\n".join(plain) + "\n"
            for r in marked:  # setuptools writes [extra], [:marker] and [extra:marker] sections
                req, marker = (part.strip() for part in r.split(";", 1))
                found = re.search(r'(?:\s*and\s*)?extra == "(\w+)"', marker)
                rest = marker.replace(found[0], "").strip() if found else marker
                body += f"\n[{found[1] if found else ''}{':' + rest if rest else ''}]\n{req}\n"
            _write(egg / "requires.txt", body)
            _write(egg / "top_level.txt", module + "\n")
            _write(egg / "dependency_links.txt", "\n")
            _write(egg / "SOURCES.txt", f"setup.py\n{module}/__init__.py\n{egg.name}/PKG-INFO\n")
        elif kind < 0.09:  # single-file egg-info (distutils-style)
            head = _headers(rng, name, version, "1.2")
            _write(site / f"{module}-{version}-py3.11.egg-info", "\n".join(head) + "\n\n" + description)
        else:
            dist = site / f"{re.sub(r'[-_.]+', '_', name)}-{version}.dist-info"
            dist.mkdir()
            mv = rng.choice(["2.1", "2.1", "2.1", "2.3", "2.4"])
            head = _headers(rng, name, version, mv)
            head += [f"Requires-Dist: {r}" for r in reqs]
            head += [f"Provides-Extra: {e}" for e in extras]
            head += ["Description-Content-Type: text/markdown", "License-File: LICENSE"]
            _write(dist / "METADATA", "\n".join(head) + "\n\n" + description)
            _write(dist / "WHEEL", "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
            _write(dist / "INSTALLER", rng.choice(["pip\n"] * 8 + ["uv\n", "conda\n"]))
            _write(dist / "top_level.txt", module + "\n")
            _write(dist / "RECORD", _record(rng, module, dist.name))
            if rng.random() < 0.2:
                _write(dist / "entry_points.txt", f"[console_scripts]\n{normalize(name)} = {module}.cli:main\n")
            if rng.random() < 0.01:
                _write(dist / "direct_url.json", '{"url": "file:///src/%s", "dir_info": {"editable": true}}' % module)
        expected[normalize(name)] = version
        if i and i % 1000 == 0:
            print(f"  {i}/{count} distributions", file=sys.stderr)
    return expected


def venv_site_packages(venv: Path) -> Path:
    py = venv / "bin" / "python"
    out = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    )
    return Path(out.stdout.strip())


def make_venv(venv: Path, count: int, seed: int = 1) -> dict[str, str]:
    """``python -m venv`` (with pip), then ``count`` synthetic distributions in its site-packages."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = venv_site_packages(venv)
    return make_site(site, count, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["site", "venv"], help="a bare site-packages tree or a venv")
    parser.add_argument("dest", type=Path, help="directory to create (must not exist)")
    parser.add_argument("--count", type=int, default=1000, help="number of distributions (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if args.dest.exists():
        parser.error(f"{args.dest} exists; remove it or pick another directory")
    if args.kind == "site":
        make_site(args.dest, args.count, args.seed)
    else:
        make_venv(args.dest, args.count, args.seed)
    print(f"{args.kind} with {args.count} distributions at {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
