"""No code outside `training/objectives/` and `choices/` branches on a task's name: a task is
asked, not named. Those two declare the tasks: their code, and what a config may say of them
(`choices` keys a task's sections by its name: `cut`, `nicegan`)."""

import ast
from pathlib import Path

from ganforge.training.objectives import OBJECTIVES

SRC = Path(__file__).parents[2] / "src" / "ganforge"
OWNERS = (("training", "objectives"), ("choices",))  # the places that may name tasks


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _annotations(tree: ast.AST) -> set[int]:
    """Nodes inside type annotations (`Literal["cut", "fastcut"]` names an option, not a task)."""
    found = set()
    for node in ast.walk(tree):
        for annotation in (getattr(node, "annotation", None), getattr(node, "returns", None)):
            if annotation is not None:
                found.update(id(inner) for inner in ast.walk(annotation))
    return found


def _names_in(node: ast.AST, tasks: set[str]) -> set[str]:
    """Task names among the string constants of `node` (itself, or the items of a tuple, list or set)."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return {item.value for item in items if isinstance(item, ast.Constant) and item.value in tasks}


def task_branches(source: str, tasks: set[str]) -> list[str]:
    """Where `source` names a task: a comparison or membership test with a task name, a tuple
    (list, set) holding one, a `*_TASKS` name, a registry subscripted by one, a keyword set to one."""
    tree = ast.parse(source)
    docstrings, annotations = _docstrings(tree), _annotations(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in annotations:
            continue
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                found += [f"{line}: compares with {name!r}" for name in _names_in(side, tasks)]
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)) and _names_in(node, tasks):
            found.append(f"{line}: a collection of task names {sorted(_names_in(node, tasks))}")
        elif isinstance(node, ast.Name) and node.id.upper().endswith("_TASKS"):
            found.append(f"{line}: {node.id}")
        elif isinstance(node, ast.Subscript) and _names_in(node.slice, tasks):
            found.append(f"{line}: subscript {sorted(_names_in(node.slice, tasks))}")
        elif isinstance(node, ast.keyword) and _names_in(node.value, tasks):
            found.append(f"{line}: {node.arg}={sorted(_names_in(node.value, tasks))}")
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None and id(key) not in docstrings and _names_in(key, tasks):
                    found.append(f"{line}: a mapping keyed by {sorted(_names_in(key, tasks))}")
    return found


def test_the_scan_finds_each_kind_of_task_branch():
    tasks = {"pix2pix", "cyclegan"}
    source = '''
TRANSLATION_TASKS = ("pix2pix", "cyclegan")
if config.task == "cyclegan": pass
if task in ("pix2pix",): pass
NETWORKS = {"cyclegan": "G_AB"}
spec = Spec(task="pix2pix")
objective = OBJECTIVES["pix2pix"]
"""A docstring may name pix2pix."""
message = f"a {task} run"
mode: Literal["pix2pix", "other"] = "other"
'''
    found = task_branches(source, tasks)
    assert sorted({int(entry.split(":")[0]) for entry in found}) == [2, 3, 4, 5, 6, 7]  # not 8, 9, 10
    assert task_branches('"""pix2pix and cyclegan are tasks."""\nx = "an unconditional run"\n', tasks) == []


def test_no_task_is_named_outside_the_objectives():
    tasks = set(OBJECTIVES)
    assert {"unconditional", "conditional", "pix2pix", "cyclegan", "text-dfgan"} <= tasks
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if any(relative.parts[: len(owner)] == owner for owner in OWNERS):
            continue
        found = task_branches(path.read_text(encoding="utf-8"), tasks)
        if found:
            offenders[str(relative)] = found
    assert offenders == {}
