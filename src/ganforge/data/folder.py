"""An image folder, searched recursively; class sub-folders give labels when asked."""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path, PurePosixPath

from PIL import Image

from ganforge.data.base import ImageSource
from ganforge.data.decode import decode_image
from ganforge.data.listing import select_images
from ganforge.errors import UserError


class FolderSource(ImageSource):
    """Image files under `root` (any depth), sorted by relative path; see `listing.py`."""

    kind = "folder"

    def __init__(self, root: str | Path, labels: bool = False, include: frozenset[str] | None = None) -> None:
        self.root = Path(root)
        self.spec = str(root)
        listing = select_images(_walk(self.root), str(root), _prefix(str(root)), labels, include)
        self.relatives = listing.names
        self.labels = listing.labels
        self.class_names = listing.class_names

    def __len__(self) -> int:
        return len(self.relatives)

    def path(self, i: int) -> Path:
        return self.root.joinpath(*PurePosixPath(self.relatives[i]).parts)

    def name(self, i: int) -> str:
        return str(self.path(i))

    def image(self, i: int) -> Image.Image:
        return decode_image(self.path(i), self.name(i))

    def read_bytes(self, i: int) -> bytes:
        return self.path(i).read_bytes()

    def suffix(self, i: int) -> str:
        return PurePosixPath(self.relatives[i]).suffix.lower()

    def _fingerprint_items(self) -> list:
        items = []
        for i, relative in enumerate(self.relatives):
            try:
                stat = self.path(i).stat()
            except OSError:  # removed since listing: still a different content
                items.append([relative, None, None])
                continue
            items.append([relative, stat.st_size, stat.st_mtime_ns])
        return items


def _walk(root: Path) -> list[str]:
    """Relative POSIX paths of the regular files under root (hidden ones and links to folders left out).

    Named pipes, sockets and devices are skipped with a warning (reading a pipe would wait
    forever); an unreadable sub-folder is skipped with a warning; an unreadable root is an error.
    """
    relatives: list[str] = []
    pending = [""]
    while pending:
        relative = pending.pop()
        folder = root / relative if relative else root
        try:
            entries = list(os.scandir(folder))
        except OSError as err:
            if not relative:
                raise UserError(f"{root}: cannot read the folder ({err.strerror})") from None
            warnings.warn(f"skipping folder {folder}: cannot read it ({err.strerror})", stacklevel=2)
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_dir(follow_symlinks=False):
                pending.append(child)
            elif _is_regular(entry):
                relatives.append(child)
            elif not entry.is_symlink() or os.path.exists(entry.path):  # links to folders: not entered
                if not os.path.isdir(entry.path):
                    warnings.warn(f"skipping {entry.path}: {_kind(entry)}, not a regular file", stacklevel=2)
            else:
                warnings.warn(f"skipping {entry.path}: broken link", stacklevel=2)
    return relatives


def _is_regular(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


SPECIAL_KINDS = {stat.S_ISFIFO: "a named pipe", stat.S_ISSOCK: "a socket", stat.S_ISCHR: "a device",
                 stat.S_ISBLK: "a device"}


def _kind(entry: os.DirEntry) -> str:
    try:
        mode = entry.stat().st_mode
    except OSError:
        return "unreadable"
    return next((name for test, name in SPECIAL_KINDS.items() if test(mode)), "a special file")


def _prefix(root: str) -> str:
    return root if root.endswith(("/", os.sep)) else root + os.sep
