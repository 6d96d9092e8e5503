"""The package's own modules import what they use from the module that defines it, never
from the lazy package root: ``from genevars import X`` inside genevars runs the root's
``__getattr__``, hides the real dependency between modules and can import in a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "genevars"


def imports_from_the_root(path: Path) -> list[str]:
    """``line name`` for each public name a module imports from ``genevars`` itself
    (doctest examples are strings, so they are not seen)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "genevars" and node.level == 0:
            found.extend(f"{node.lineno} {alias.name}" for alias in node.names if not alias.name.startswith("_"))
    return found


def test_no_module_of_the_package_imports_from_the_lazy_root() -> None:
    modules = [p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE]
    assert len(modules) > 20  # the walk found the package
    offenders = [f"{path.relative_to(PACKAGE)}:{hit}" for path in modules for hit in imports_from_the_root(path)]
    assert offenders == []


def test_the_check_sees_such_an_import(tmp_path: Path) -> None:
    module = PACKAGE / "cli" / "diff.py"
    copy = tmp_path / "diff.py"
    copy.write_text(
        module.read_text(encoding="utf-8") + "\n\ndef _late() -> None:\n    from genevars import GenevarsError, _core\n",
        encoding="utf-8",
    )
    (hit,) = imports_from_the_root(copy)
    assert hit.endswith(" GenevarsError")
