"""A `.zip` of images, read member by member without extracting anything."""

from __future__ import annotations

import os
import warnings
import zipfile
from pathlib import Path, PurePosixPath

from PIL import Image

from ganforge.data.base import ImageSource
from ganforge.data.decode import UnreadableImage, decode_image
from ganforge.data.listing import select_images
from ganforge.errors import UserError

MAX_MEMBER_BYTES = 512 * 2**20  # a larger "image" is far more likely a zip bomb than data


class ZipSource(ImageSource):
    """Image members of a zip archive, same rules as a folder (`listing.py`).

    Members are read lazily through one handle per process (reopened after a fork, so
    data-loader workers do not share a file position). Absolute paths and `..` in member
    names are skipped with a warning; nothing is ever written to disk.
    """

    kind = "zip"

    def __init__(self, path: str | Path, labels: bool = False, include: frozenset[str] | None = None) -> None:
        self.archive_path = Path(path)
        self.spec = str(path)
        self._handle: zipfile.ZipFile | None = None
        self._handle_pid = -1
        try:
            infos = self._archive().infolist()
        except (zipfile.BadZipFile, OSError) as err:
            raise UserError(f"{path}: not a readable zip archive ({err})") from None
        members = {info.filename: info for info in infos if not info.is_dir()}
        safe = [name for name in members if _is_safe(name, self.spec)]
        listing = select_images(safe, self.spec, f"{self.spec}:", labels, include)
        self.members = [members[name] for name in listing.names]
        self.labels = listing.labels
        self.class_names = listing.class_names

    def _archive(self) -> zipfile.ZipFile:
        if self._handle is None or self._handle_pid != os.getpid():
            self._handle = zipfile.ZipFile(self.archive_path)
            self._handle_pid = os.getpid()
        return self._handle

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_handle"], state["_handle_pid"] = None, -1
        return state

    def __len__(self) -> int:
        return len(self.members)

    def name(self, i: int) -> str:
        return f"{self.spec}:{self.members[i].filename}"

    def read_bytes(self, i: int) -> bytes:
        info = self.members[i]
        if info.file_size > MAX_MEMBER_BYTES:
            raise UnreadableImage(self.name(i), f"member of {info.file_size} bytes is too large")
        try:
            return self._archive().read(info)
        # Bad CRC, encrypted member, unsupported compression: this member cannot be used.
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as err:
            raise UnreadableImage(self.name(i), f"unreadable archive member ({err})") from None

    def image(self, i: int) -> Image.Image:
        return decode_image(self.read_bytes(i), self.name(i))

    def suffix(self, i: int) -> str:
        return PurePosixPath(self.members[i].filename).suffix.lower()

    def _fingerprint_items(self) -> list:
        stat = self.archive_path.stat()
        members = [[m.filename, m.file_size, m.CRC] for m in self.members]
        return [stat.st_size, stat.st_mtime_ns, members]


def _is_safe(name: str, where: str) -> bool:
    """False (with a warning) for member names that point outside the archive's tree."""
    path = PurePosixPath(name.replace("\\", "/"))
    unsafe = (
        path.is_absolute() or ".." in path.parts or ":" in (path.parts[0] if path.parts else "")
    )
    if unsafe:
        warnings.warn(f"skipping {where}:{name}: unsafe member path", stacklevel=3)
    return not unsafe
