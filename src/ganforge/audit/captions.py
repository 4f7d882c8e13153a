"""Captions beside the images: `captions.jsonl` at the source's root, or one `.txt` per image.

`captions.jsonl` holds one JSON object per line naming the image (`file`, `image`, `path` or
`name`, relative to the root) and its text (`caption`, `text`, or a list under `captions`).
A per-image `.txt` has the image's name with `.txt` for its suffix (`cats/01.png` -> `cats/01.txt`).
Built-in sources with captions (builtin:shapes) use their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ganforge.data import ImageSource

CAPTIONS_FILE = "captions.jsonl"
NAME_KEYS = ("file", "image", "path", "name")
TEXT_KEYS = ("caption", "text")


@dataclass
class Captions:
    """Captions per image name; `orphans` name entries without an image, `bad_lines` unparsable lines."""

    where: str
    by_name: dict[str, list[str]]
    orphans: list[str] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)


def _texts(record: dict) -> list[str]:
    for key in TEXT_KEYS:
        if isinstance(record.get(key), str):
            return [record[key]]
    listed = record.get("captions")
    return [t for t in listed if isinstance(t, str)] if isinstance(listed, list) else []


def _from_jsonl(path: Path, names: set[str]) -> Captions:
    found = Captions(where=str(path), by_name={})
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError):  # RecursionError: nested too deeply to read
            found.bad_lines.append(number)
            continue
        name = next((record[k] for k in NAME_KEYS if isinstance(record, dict) and isinstance(record.get(k), str)), None)
        if name is None:
            found.bad_lines.append(number)
            continue
        name = PurePosixPath(name).as_posix()
        if name not in names:
            found.orphans.append(name)
            continue
        found.by_name.setdefault(name, []).extend(_texts(record))
    return found


def _from_text_files(root: Path, names: list[str]) -> Captions | None:
    by_name = {}
    for name in names:
        text_file = root.joinpath(*PurePosixPath(name).with_suffix(".txt").parts)
        if text_file.is_file():
            by_name[name] = [text_file.read_text(encoding="utf-8", errors="replace").strip()]
    return Captions(where=f"{root}/**/*.txt", by_name=by_name) if by_name else None


def find_captions(source: ImageSource, names: list[str]) -> Captions | None:
    """The captions of a folder or built-in source; None when it has none."""
    if source.captions is not None:
        return Captions(where=source.spec, by_name={names[i]: [c] for i, c in enumerate(source.captions)})
    root = Path(source.spec)
    if source.kind != "folder":
        return None
    if (root / CAPTIONS_FILE).is_file():
        return _from_jsonl(root / CAPTIONS_FILE, set(names))
    return _from_text_files(root, names)


def is_caption_file(name: str) -> bool:
    """Files the listing skips as non-images that are the captions themselves."""
    return name.endswith((".txt", CAPTIONS_FILE))
