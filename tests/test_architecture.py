"""The shape of the code base: the core stays pure, and its modules import without cycles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORE = REPO / "citisens_core"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (a lazy import
    still makes a cycle, it only hides it)."""
    package = _module_name(path) if path.name == "__init__.py" else \
        _module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _core_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in CORE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in files and m != name}
            for name, path in files.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_inside_the_core():
    assert _cycles(_core_graph()) == []


def test_the_core_never_imports_streamlit():
    offenders = [_module_name(p) for p in CORE.rglob("*.py")
                 if any(m == "streamlit" or m.startswith("streamlit.") for m in _imports(p))]
    assert offenders == []


def test_the_fictional_world_is_apart_from_the_readers_of_real_files():
    readers = [p for p in (CORE / "geodata").rglob("*.py")] + [CORE / "survey.py"]
    offenders = [_module_name(p) for p in readers
                 if any(m.startswith("citisens_core.fictional") for m in _imports(p))]
    assert offenders == []


def test_pages_build_their_session_keys_through_the_registry():
    """Keys are made by atlas_ui.state.area_key / session_key, so a new data set resets
    every page's area state without a list kept by hand."""
    literal = re.compile(r"""["'](atlas_[a-z]|atlas:)""")
    files = [*(REPO / "pages").glob("*.py"), *(REPO / "atlas_ui").glob("*.py")]
    offenders = [f"{p.name}:{n}" for p in files if p.name != "state.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if literal.search(line) and "getLogger" not in line]
    assert offenders == []
