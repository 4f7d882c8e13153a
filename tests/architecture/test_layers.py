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
    ("config",),
    ("data", "models", "losses", "text", "pretrained", "distributed", "conditions"),
    ("sampling", "metrics", "evaluators", "alignment", "audit", "curation", "report"),
    ("training", "translation"),
    ("runs",),
    ("api", "commands", "cli", "__main__"),
)
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}

# Upward imports still there, each with its reason; the test fails on any other, and on an
# entry here that is gone (remove it then).
KNOWN_UPWARD = {
    ("config", "losses"): "validation checks loss.name against the registry",
    ("config", "models"): "validation checks model.name and the model's options",
    ("config", "text"): "validation checks text.encoder against the registry",
    ("config", "training"): "validation asks the task's objective (reads, check_config)",
}

# Imports within one layer that close a circle, each with its reason (same rules as above).
KNOWN_CIRCLES: dict[tuple[str, str], str] = {}


def _unit(path: Path) -> str:
    relative = path.relative_to(SRC)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _type_checking_only(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    return skipped


def import_graph() -> dict[tuple[str, str], list[str]]:
    """{(importing package, imported package): ["file:line", ...]} over every module of src/."""
    edges = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        tree, source = ast.parse(path.read_text(encoding="utf-8")), _unit(path)
        skipped = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] != "ganforge":
                    continue
                target = parts[1] if len(parts) > 1 else "__init__"
                if target != source:
                    edges[(source, target)].append(f"{path.relative_to(SRC)}:{node.lineno}")
    return edges


def test_every_package_has_a_layer():
    units = {_unit(path) for path in SRC.rglob("*.py")}
    assert units - set(LEVEL) == set()


def test_imports_run_downward_except_the_known_few():
    upward = {edge: where for edge, where in import_graph().items() if LEVEL[edge[0]] < LEVEL[edge[1]]}
    assert set(upward) - set(KNOWN_UPWARD) == set(), {edge: upward[edge] for edge in set(upward) - set(KNOWN_UPWARD)}
    assert set(KNOWN_UPWARD) - set(upward) == set()  # fixed: remove it from the list


def test_no_import_cycle_between_packages_but_through_the_known_upward_imports():
    graph = defaultdict(set)
    for source, target in import_graph():
        if (source, target) not in KNOWN_UPWARD and (source, target) not in KNOWN_CIRCLES:
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
    assert set(KNOWN_CIRCLES) <= set(import_graph())  # fixed: remove it from the list


def test_the_graph_sees_imports_inside_functions_and_skips_type_checking():
    edges = import_graph()
    assert any("config.py" in where for where in edges[("config", "training")])  # inside a validator
    assert ("training", "runs") not in edges  # runs is above training: checkpoints are read in training
