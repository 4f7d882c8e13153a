"""Open any image source by its spec, and read it while skipping unreadable files.

`SOURCE_KINDS` maps a kind to (does this spec name it?, opener); the first match wins.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image

from ganforge.data.archive import ZipSource
from ganforge.data.base import ImageSource
from ganforge.data.builtin import is_builtin, open_builtin
from ganforge.data.decode import UnreadableImage, to_rgb_uint8
from ganforge.data.folder import FolderSource
from ganforge.data.include import read_include
from ganforge.errors import UserError

__all__ = [
    "ImageSource",
    "UnreadableImage",
    "iter_readable",
    "open_source",
    "read_or_warn",
    "nothing_readable",
    "to_rgb_uint8",
    "SOURCE_KINDS",
]


def _is_zip(spec: str) -> bool:
    return spec.lower().endswith(".zip") and Path(spec).is_file()


def _is_folder(spec: str) -> bool:
    return Path(spec).is_dir()


SOURCE_KINDS: dict[str, tuple[Callable[[str], bool], Callable[[str, bool], ImageSource]]] = {
    "builtin": (is_builtin, open_builtin),
    "folder": (_is_folder, FolderSource),
    "zip": (_is_zip, ZipSource),
}


def open_source(spec: str | Path, labels: bool = False, include: str | Path | None = None) -> ImageSource:
    """`builtin:NAME`, an image folder or a `.zip` -> an `ImageSource`.

    Raises UserError naming `spec` when it does not exist, is of no known kind, or holds
    no image files. With `labels`, first-level sub-folders are the classes. `include` names
    a keep list (one relative path per line): only those files of a folder or zip are used.
    """
    text = str(spec)
    if text.startswith("~"):  # `data.path=~/x` reaches us unexpanded: shells expand only a leading ~
        text = str(Path(text).expanduser())
    for kind, (matches, opener) in SOURCE_KINDS.items():
        if matches(text):
            if include is None:
                return opener(text, labels)
            if kind == "builtin":
                raise UserError(f"data.include: {text} has no files to choose from; use a folder or a .zip")
            return opener(text, labels, read_include(include))
    if not Path(text).exists():
        raise UserError(f"{text}: no such file or folder")
    raise UserError(f"{text}: not an image source (expected builtin:NAME, a folder or a .zip)")


def read_or_warn(source: ImageSource, i: int) -> Image.Image | None:
    """Image i, or None after one warning naming the file when it cannot be decoded."""
    try:
        return source.image(i)
    except UnreadableImage as err:
        warnings.warn(f"skipping {err.name}: {err.reason}", stacklevel=2)
        return None


def iter_readable(source: ImageSource) -> Iterator[tuple[int, Image.Image]]:
    """Yield (index, image) for every readable image, warning once per unreadable file.

    Raises UserError naming the source when not one image could be read.
    """
    readable = 0
    for i in range(len(source)):
        img = read_or_warn(source, i)
        if img is not None:
            readable += 1
            yield i, img
    if readable == 0:
        raise nothing_readable(source)


def nothing_readable(source: ImageSource) -> UserError:
    """The error for a source none of whose files could be decoded."""
    return UserError(f"no readable images in {source.spec} ({len(source)} files, all unreadable)")
