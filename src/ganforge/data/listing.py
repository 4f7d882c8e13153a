"""Choose the image files of a folder or archive listing, in a stable order, with labels.

Shared by `folder.py` and `archive.py`, which only differ in how they list and read files.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from ganforge.errors import UserError

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"}
)
# Operating-system clutter that is never data: skipped without a word, like hidden files.
SILENT_DIRECTORIES = frozenset({"__MACOSX"})
# Caption files of text-to-image data (data/captions.py) at the top: data, not stray files.
SILENT_FILES = frozenset({"captions.jsonl", "captions.json"})
NAMED_WARNINGS = 5  # non-image files named one by one before a single summary line


@dataclass(frozen=True)
class Listing:
    """Image files as relative POSIX paths (sorted), and their classes when asked for."""

    names: list[str]
    labels: list[int] | None = None
    class_names: list[str] | None = None


def is_hidden(relative: str) -> bool:
    """True for `.DS_Store`, `.git/...`, `__MACOSX/...`: any dot-component or OS clutter."""
    parts = PurePosixPath(relative).parts
    return any(part.startswith(".") or part in SILENT_DIRECTORIES for part in parts)


def is_image_name(relative: str) -> bool:
    return PurePosixPath(relative).suffix.lower() in IMAGE_SUFFIXES


def select_images(
    relatives: list[str], where: str, prefix: str, labels: bool, include: frozenset[str] | None = None
) -> Listing:
    """Keep image files of `relatives` (relative POSIX paths), sorted by code point.

    Plain code-point order (upper case before lower case, independent of locale and
    file system) is the order torch-fidelity and clean-fid use, so subset draws agree.
    Non-image files warn with their name (`prefix + relative`); hidden files are skipped
    silently. With `labels`, the first-level sub-folder is the class. With `include`, only
    the files it names are kept (a keep list from `ganforge data audit`).
    """
    if include is not None:
        relatives = _included(relatives, include, where)
    visible = [rel for rel in relatives if not is_hidden(rel) and rel not in SILENT_FILES]
    images = sorted(rel for rel in visible if is_image_name(rel))
    _warn_non_images(sorted(rel for rel in visible if not is_image_name(rel)), where, prefix)
    if not images:
        raise UserError(f"no images found in {where}")
    if not labels:
        return Listing(images)
    return _with_labels(images, where)


def _included(relatives: list[str], include: frozenset[str], where: str) -> list[str]:
    absent = len(include - set(relatives))
    if absent:
        warnings.warn(f"data.include: {absent} listed files are not in {where}", stacklevel=4)
    return [rel for rel in relatives if rel in include]


def _warn_non_images(others: list[str], where: str, prefix: str) -> None:
    for rel in others[:NAMED_WARNINGS]:
        warnings.warn(f"skipping {prefix}{rel}: not an image file", stacklevel=4)
    if len(others) > NAMED_WARNINGS:
        warnings.warn(
            f"skipping {len(others) - NAMED_WARNINGS} more non-image files in {where}", stacklevel=4
        )


def _with_labels(images: list[str], where: str) -> Listing:
    in_classes = [rel for rel in images if len(PurePosixPath(rel).parts) >= 2]
    if not in_classes:
        raise UserError(f"{where}: labels need class sub-folders (one per class); found none")
    top_level = len(images) - len(in_classes)
    if top_level:
        warnings.warn(
            f"skipping {top_level} images at the top level of {where}: "
            "with labels, classes come from sub-folders",
            stacklevel=4,
        )
    class_of = [PurePosixPath(rel).parts[0] for rel in in_classes]
    class_names = sorted(set(class_of))
    index = {name: k for k, name in enumerate(class_names)}
    return Listing(in_classes, [index[c] for c in class_of], class_names)
