"""The documented layering (docs/architecture.md, "Apps and the one-way path"), enforced on the source.

Every import statement counts — at module level and inside functions — because a lazy import is still a
dependency (it only hides the cycle until run time). Two rules:

1. **Arrows**: a package imports only the packages its row of ``MAY_IMPORT`` names; the domain and the
   notifications know nothing of viewflow (``NEVER_THIRD_PARTY``).
2. **No cycles**: the graph of the project's modules has no cycle (a strongly connected component of more
   than one module fails, naming its modules).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "filing", "workflows", "notifications", "api")

#: package -> the project packages it may import (its own always).
MAY_IMPORT = {
    "filing": set(),
    "workflows": {"filing"},
    "notifications": {"filing"},
    "api": {"filing", "workflows", "notifications"},
    "config": {"filing", "workflows", "notifications", "api"},
}
#: package -> third-party top-level modules it must never import.
NEVER_THIRD_PARTY = {
    "filing": {"viewflow"},
    "notifications": {"viewflow"},
    "api": {"viewflow"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            modules[module_name(path)] = path
    return modules


def imported_names(path: Path, module: str) -> set[str]:
    """Every module named by an import in the file (relative imports resolved), as written."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names.add(prefix)
            # "from pkg import sub" may import the submodule pkg.sub
            names.update(f"{prefix}.{alias.name}" for alias in node.names)
    return names


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an imported name refers to (the longest existing prefix), or None."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    edges: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        for name in imported_names(path, module):
            target = resolve(name, modules)
            if target and target != module:
                edges[module].add(target)
    return edges


def test_every_import_follows_the_documented_arrows():
    modules = project_modules()
    wrong = []
    for module, path in modules.items():
        package = module.split(".")[0]
        allowed = MAY_IMPORT[package] | {package}
        for name in imported_names(path, module):
            top = name.split(".")[0]
            if top in PACKAGES and top not in allowed:
                wrong.append(f"{module} imports {name} ({package} ↛ {top})")
            if top in NEVER_THIRD_PARTY.get(package, set()):
                wrong.append(f"{module} imports {name} ({package} must not know {top})")
    assert wrong == []


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively."""
    index, low, on_stack, stack, result, counter = {}, {}, set(), [], [], [0]
    nodes = set(edges) | {t for targets in edges.values() for t in targets}
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    result.append(sorted(component))
    return result


def test_no_import_cycle_between_modules():
    cycles = [component for component in strongly_connected(graph()) if len(component) > 1]
    assert cycles == []


def test_the_cycle_detector_finds_a_cycle():
    """The check itself can fail: a ring of three modules is one component."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [c for c in strongly_connected(edges) if len(c) > 1] == [["a", "b", "c"]]


def test_the_layering_test_sees_a_lazy_import():
    """An import inside a function is a dependency too (the kind of cycle the checks exist for)."""
    source = ROOT / "filing" / "jobs.py"
    assert "celery" in {n.split(".")[0] for n in imported_names(source, "filing.jobs")}
