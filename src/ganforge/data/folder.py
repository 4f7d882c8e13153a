"""An image folder, searched recursively; class sub-folders give labels when asked."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from PIL import Image

from ganforge.data.base import ImageSource
from ganforge.data.decode import decode_image
from ganforge.data.listing import select_images


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
    """Relative POSIX paths of every file under root; hidden folders are not entered."""
    relatives = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        base = Path(directory).relative_to(root)
        relatives.extend((base / f).as_posix() for f in files)
    return relatives


def _prefix(root: str) -> str:
    return root if root.endswith(("/", os.sep)) else root + os.sep
