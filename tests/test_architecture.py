"""The layout's rules, checked on the source (DESIGN.md, issue 11): no import cycle between modules, argparse
and print only in the CLI package, function-level imports only for optional extras, no oversized class,
nothing outside ``exercises/`` reaching into the registry."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "backform"
# optional extras, imported where used so that the core installs and runs without them
OPTIONAL = {"pyttsx3", "comtypes", "winsound", "torch", "pyrender", "trimesh", "anny", "roma", "imageio_ffmpeg",
            "OpenGL"}
MAX_CLASS_LINES = 200


def _modules() -> dict[str, tuple[Path, ast.Module]]:
    out = {}
    for p in sorted(SRC.rglob("*.py")):
        parts = list(p.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = (p, ast.parse(p.read_text(), str(p)))
    return out


MODULES = _modules()


def _resolve(mod: str, is_pkg: bool, node: ast.ImportFrom) -> list[str]:
    """Absolute backform module names an ``import from`` statement loads."""
    if node.level:
        base = mod.split(".") if is_pkg else mod.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not target.startswith("backform"):
        return []
    names = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
    return [target] + names if target in MODULES else names


def _top_level_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for mod, (path, tree) in MODULES.items():
        is_pkg = path.name == "__init__.py"
        deps = set()
        for node in tree.body:  # module level only: what importing the module imports
            if isinstance(node, ast.ImportFrom):
                deps.update(_resolve(mod, is_pkg, node))
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in MODULES)
        # importing a.b.c runs a/__init__ and a/b/__init__ first
        for d in list(deps):
            parts = d.split(".")
            deps.update(".".join(parts[:i]) for i in range(2, len(parts)) if ".".join(parts[:i]) in MODULES)
        deps.discard(mod)
        graph[mod] = {d for d in deps if not mod.startswith(d + ".")}  # a module's own package is not a cycle
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle():
    assert _cycles(_top_level_graph()) == []


def _function_imports(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import):
                    yield sub.lineno, [a.name for a in sub.names]
                elif isinstance(sub, ast.ImportFrom):
                    yield sub.lineno, [("." * sub.level) + (sub.module or "")]


def test_function_level_imports_only_for_optional_extras():
    bad = []
    for mod, (path, tree) in MODULES.items():
        for line, names in _function_imports(tree):
            for n in names:
                root = n.lstrip(".").split(".")[0]
                optional = root in OPTIONAL or n.startswith(("..synth", ".synth")) or mod == "backform.synth" \
                    or mod.startswith("backform.synth.")
                if not optional:
                    bad.append(f"{path.relative_to(SRC)}:{line} imports {n}")
    assert bad == []


def test_argparse_and_print_only_in_the_cli_package():
    bad = []
    for mod, (path, tree) in MODULES.items():
        if mod == "backform.cli" or mod.startswith("backform.cli."):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                bad.append(f"{path.relative_to(SRC)}:{node.lineno} print")
            if isinstance(node, ast.Import) and any(a.name == "argparse" for a in node.names):
                bad.append(f"{path.relative_to(SRC)}:{node.lineno} import argparse")
    assert bad == []


@pytest.mark.parametrize("mod", sorted(MODULES))
def test_no_class_over_the_limit(mod):
    path, tree = MODULES[mod]
    big = [f"{n.name}: {n.end_lineno - n.lineno + 1} lines" for n in ast.walk(tree)
           if isinstance(n, ast.ClassDef) and n.end_lineno - n.lineno + 1 > MAX_CLASS_LINES]
    assert big == [], f"{path.relative_to(SRC)}"


def test_only_the_exercises_package_touches_the_registry():
    bad = [str(path.relative_to(SRC)) for mod, (path, tree) in MODULES.items()
           if not mod.startswith("backform.exercises") and "_REGISTRY" in path.read_text()]
    assert bad == []
