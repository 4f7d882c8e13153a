"""Packages import downward only (docs/ARCHITECTURE.md): the static import graph over src/,
imports inside functions included, `if TYPE_CHECKING:` blocks left out (never run)."""

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "ganforge"

# Lowest first; a package may import its own layer and the layers below.
LAYERS = (
    ("__init__", "errors", "atomic", "storage", "outputs", "memory", "rng", "download", "wheel_source", "augment",
     "textfiles", "signals"),
    ("config", "choices"),
    ("data", "models", "losses", "text", "pretrained", "distributed", "conditions"),
    ("sampling", "metrics", "evaluators", "alignment", "audit", "curation", "report"),
    ("training", "translation"),
    ("runs",),
    ("api", "commands", "cli", "__main__"),
)
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}

def _unit(path: Path) -> str:
    relative = path.relative_to(SRC)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _type_checking_only(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    return skipped


def imported_modules(tree: ast.AST) -> list[tuple[str, int]]:
    """(module, line) of every absolute import in `tree`, inside functions too, but not under
    `if TYPE_CHECKING:` (never run); relative imports are refused, so none hides from the graph."""
    skipped, found = _type_checking_only(tree), []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, f"line {node.lineno}: a relative import; write ganforge.<package>"
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
    return found


def import_graph() -> dict[tuple[str, str], list[str]]:
    """{(importing package, imported package): ["file:line", ...]} over every module of src/."""
    edges = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        source = _unit(path)
        for module, line in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            parts = module.split(".")
            if parts[0] != "ganforge":
                continue
            target = parts[1] if len(parts) > 1 else "__init__"
            if target != source:
                edges[(source, target)].append(f"{path.relative_to(SRC)}:{line}")
    return edges


def test_every_package_has_a_layer():
    units = {_unit(path) for path in SRC.rglob("*.py")}
    assert units - set(LEVEL) == set()


def test_imports_run_downward_only():
    upward = {edge: where for edge, where in import_graph().items() if LEVEL[edge[0]] < LEVEL[edge[1]]}
    assert upward == {}


def test_no_import_cycle_between_packages():
    graph = defaultdict(set)
    for source, target in import_graph():
        graph[source].add(target)

    def reaches(start: str, goal: str) -> bool:
        seen, stack = {start}, [start]
        while stack:
            for nxt in graph[stack.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    cycles = sorted((a, b) for a in list(graph) for b in graph[a] if reaches(b, a))
    assert cycles == []


def test_the_graph_sees_imports_inside_functions_and_skips_type_checking():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "import ganforge.errors\n"
        "if TYPE_CHECKING:\n"
        "    from ganforge.runs import LoadedRun\n"
        "def load():\n"
        "    from ganforge.training.checkpoint import load_checkpoint\n"
    )
    assert imported_modules(tree) == [("typing", 1), ("ganforge.errors", 2), ("ganforge.training.checkpoint", 6)]
    edges = import_graph()
    assert "api.py" in edges[("api", "training")][0]  # `ganforge.train` imports the loop inside the function
