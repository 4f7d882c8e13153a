"""Captions of an image source: one or more sentences per image.

- `builtin:shapes`: the generated caption of each image ("a small red circle on the left");
- a folder with `captions.jsonl` (one `{"file": ..., "text": ...}` per line, several lines per
  image allowed), or a Face2Text-style `captions.json` list of `{"filename", "description"}`,
  or a `.txt` beside each image (one caption per line).

A caption naming no image of the source is reported with one warning; bad JSON is a UserError
naming the file and line. Images without a caption are dropped by `keep_captioned`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import torch

from ganforge.data.base import ImageSource
from ganforge.errors import UserError
from ganforge.textfiles import parse_json, read_json, read_text

JSONL_FILE = "captions.jsonl"
JSON_FILE = "captions.json"


def read_captions(source: ImageSource) -> list[list[str]]:
    """Captions per image of `source` (an empty list for an image without one)."""
    if source.captions is not None:
        return [[text] for text in source.captions]
    root = getattr(source, "root", None)
    if root is None:
        raise UserError(f"{source.spec}: no captions (captions come with builtin:shapes or an image folder)")
    for reader in CAPTION_FILES.values():
        found = reader(Path(root), source)
        if found is not None:
            return found
    return _txt_beside(source)


def _index_by_name(source: ImageSource) -> Callable[[str], int | None]:
    """Look an image up by its relative path, or by its bare file name when that is unique."""
    relatives = {relative: i for i, relative in enumerate(source.relatives)}
    by_name: dict[str, list[int]] = {}
    for i, relative in enumerate(source.relatives):
        by_name.setdefault(PurePosixPath(relative).name, []).append(i)

    def find(name: str) -> int | None:
        key = PurePosixPath(name.replace("\\", "/")).as_posix()
        if key in relatives:
            return relatives[key]
        matches = by_name.get(PurePosixPath(key).name, [])
        return matches[0] if len(matches) == 1 else None

    return find


def _collect(source: ImageSource, entries: list[tuple[str, str, str]], file: Path) -> list[list[str]]:
    """(where, image name, text) entries -> captions per image; unknown names warned once each,
    blank captions (nothing to condition on) dropped with one warning per file."""
    blank = [where for where, _, text in entries if not text]
    if blank:
        warnings.warn(f"{file}{blank[0]}: blank caption ignored ({len(blank)} in this file); "
                      "an image with no other caption is not trained on", stacklevel=3)
        entries = [entry for entry in entries if entry[2]]
    find = _index_by_name(source)
    captions: list[list[str]] = [[] for _ in range(len(source))]
    for where, name, text in entries:
        index = find(name)
        if index is None:
            warnings.warn(f"{file}{where}: caption names {name!r}, which is not an image of {source.spec}", stacklevel=3)
            continue
        captions[index].append(text)
    return captions


def _jsonl(root: Path, source: ImageSource) -> list[list[str]] | None:
    path = root / JSONL_FILE
    if not path.is_file():
        return None
    entries = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        record = parse_json(line, f"{path}: line {number}")
        if not isinstance(record, dict) or not isinstance(record.get("file"), str) or not isinstance(record.get("text"), str):
            raise UserError(f'{path}: line {number}: expected {{"file": NAME, "text": CAPTION}}')
        entries.append((f": line {number}", record["file"], record["text"].strip()))
    return _collect(source, entries, path)


def _json_list(root: Path, source: ImageSource) -> list[list[str]] | None:
    path = root / JSON_FILE
    if not path.is_file():
        return None
    records = read_json(path)
    if not isinstance(records, list):
        raise UserError(f"{path}: expected a JSON list of {{\"filename\", \"description\"}} objects")
    entries = []
    for number, record in enumerate(records):
        if not isinstance(record, dict) or not isinstance(record.get("filename"), str) or not isinstance(record.get("description"), str):
            raise UserError(f'{path}: item {number}: expected {{"filename": NAME, "description": CAPTION}}')
        entries.append((f": item {number}", record["filename"], record["description"].strip()))
    return _collect(source, entries, path)


def _txt_beside(source: ImageSource) -> list[list[str]]:
    captions = []
    for i in range(len(source)):
        text_file = source.path(i).with_suffix(".txt")
        lines = read_text(text_file).splitlines() if text_file.exists() else []
        captions.append([line.strip() for line in lines if line.strip()])
    return captions


CAPTION_FILES: dict[str, Callable[[Path, ImageSource], list[list[str]] | None]] = {
    JSONL_FILE: _jsonl,
    JSON_FILE: _json_list,
}


def keep_captioned(data, captions: list[list[str]], source: ImageSource):
    """`data` (TrainingImages) restricted to images with a caption, one warning per dropped image;
    `data.captions` gets the captions of each kept image. Raises UserError when none has one."""
    keep = []
    for row, index in enumerate(data.indices):
        if captions[index]:
            keep.append(row)
        else:
            warnings.warn(f"skipping {source.name(index)}: no caption", stacklevel=2)
    if not keep:
        raise UserError(
            f"{source.spec}: no image has a caption (give {JSONL_FILE}, {JSON_FILE} or a .txt beside each image)"
        )
    if len(keep) < len(data.indices):
        rows = torch.tensor(keep)
        data.images = data.images[rows]
        data.labels = data.labels[rows] if data.labels is not None else None
        data.indices = [data.indices[row] for row in keep]
    data.captions = [captions[index] for index in data.indices]
    return data
