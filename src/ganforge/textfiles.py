"""Reading the user's text files (configs, prompts, captions, keep lists, run records): one
line naming the file for anything that is not what it should be, never a traceback or a hang.

- a named pipe, socket or device is refused without opening it (reading a pipe waits forever);
- text must be UTF-8;
- JSON nested deeper than Python's recursion allows is refused (not a RecursionError);
- YAML whose aliases expand past `YAML_MAX_NODES` values (an "alias bomb") or refer to
  themselves is refused before anything walks it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from ganforge.errors import UserError

YAML_MAX_NODES = 1_000_000  # far beyond any config; a bomb of nine nested aliases expands to 10^9


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a device or special file"


def read_text(path: str | os.PathLike, label: str | None = None) -> str:
    """The UTF-8 text of a regular file; `label` (e.g. "--prompts-file FILE") names it in errors."""
    path = Path(path)
    label = label or str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UserError(f"{label}: no such file") from None
    except OSError as err:
        raise UserError(f"{label}: cannot read it ({err.strerror})") from None
    if not stat.S_ISREG(mode):
        raise UserError(f"{label}: {_kind(mode)}, not a regular file")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UserError(f"{label}: cannot read it ({err.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UserError(f"{label}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None


def parse_json(text: str, label: str) -> Any:
    """JSON from `text`; one line naming `label` when it is invalid or nested too deeply."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        where = f" line {err.lineno}:" if "\n" in text.strip() else ""  # one line (JSON lines): its caller names it
        raise UserError(f"{label}:{where} not valid JSON ({err.msg})") from None
    except RecursionError:
        raise UserError(f"{label}: JSON nested too deeply to read") from None


def read_json(path: str | os.PathLike, label: str | None = None) -> Any:
    return parse_json(read_text(path, label), label or str(path))


def _expanded_size(tree: Any, label: str) -> int:
    """Values in `tree` once every alias is expanded; refuses a tree that contains itself."""
    sizes: dict[int, int] = {}
    open_ids: set[int] = set()

    def size(node: Any) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_ids:
            raise UserError(f"{label}: YAML that refers to itself (a recursive alias)")
        open_ids.add(key)
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        total = 1 + sum(size(child) for child in children)
        open_ids.discard(key)
        sizes[key] = total
        return total

    try:
        return size(tree)
    except RecursionError:
        raise UserError(f"{label}: YAML nested too deeply to read") from None


def parse_yaml(text: str, label: str) -> Any:
    """YAML from `text` (safe_load), refusing alias bombs and self-reference with one line."""
    try:
        tree = yaml.safe_load(text)
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        at = f" (line {where.line + 1})" if where is not None else ""
        raise UserError(f"{label}: not valid YAML{at}") from None
    except RecursionError:
        raise UserError(f"{label}: YAML nested too deeply to read") from None
    if _expanded_size(tree, label) > YAML_MAX_NODES:
        raise UserError(f"{label}: its YAML aliases expand to more than {YAML_MAX_NODES:,} values; "
                        "refused (write the values out)")
    return tree


def read_yaml(path: str | os.PathLike, label: str | None = None) -> Any:
    return parse_yaml(read_text(path, label), label or str(path))
