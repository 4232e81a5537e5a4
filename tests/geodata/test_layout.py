"""The geodata package's own layout: readers share one normalise step and never each other's
private names, and the imports run one way (read → postcode → normalise → columns, release)."""

from __future__ import annotations

import ast
from pathlib import Path

import citisens_core.geodata as geodata

PACKAGE = Path(geodata.__file__).parent


def _imports(module: Path) -> list[tuple[str, str]]:
    """(module, name) of every ``from citisens_core.geodata.X import name`` in `module`."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(geodata.__name__)
        for alias in node.names
    ]


def test_no_private_names_cross_modules() -> None:
    crossing = [
        f"{path.name}: {module}.{name}"
        for path in PACKAGE.glob("*.py")
        for module, name in _imports(path)
        if name.startswith("_")
    ]
    assert crossing == []


def test_imports_run_one_way() -> None:
    order = ["read", "postcode", "normalise", "columns", "release"]  # each may import only those after it
    for i, name in enumerate(order):
        imported = {m.rsplit(".", 1)[-1] for m, _ in _imports(PACKAGE / f"{name}.py")}
        assert not imported & set(order[: i + 1]), f"{name}.py imports {imported}"
