"""`ImageSource`: the indexable view of a data set that training, metrics and audits read."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from PIL import Image

JPEG_SUFFIXES = (".jpg", ".jpeg")


class ImageSource:
    """A sorted, indexable list of images.

    Subclasses implement `__len__`, `name(i)`, `image(i)`, `read_bytes(i)` and
    `_fingerprint_items()`; the optional annotations below default to None.
    """

    spec: str  # what the user passed: "builtin:digits", a folder or a .zip path
    kind: str  # registry key in `ganforge.data.sources.SOURCE_KINDS`
    labels: list[int] | None = None  # class index per image
    class_names: list[str] | None = None  # labels[i] names class_names[labels[i]]
    attributes: list[dict[str, Any]] | None = None
    captions: list[str] | None = None
    version: str = "1"  # bump when the way this kind reads or builds images changes

    def __len__(self) -> int:
        raise NotImplementedError

    def name(self, i: int) -> str:
        """The file (or `builtin:NAME[i]`) behind image i, for messages."""
        raise NotImplementedError

    def image(self, i: int) -> Image.Image:
        """Image i in mode "L", "RGB" or "RGBA"; raises `UnreadableImage` when it cannot be decoded."""
        raise NotImplementedError

    def read_bytes(self, i: int) -> bytes:
        """The stored bytes of image i (the encoded file; raw pixels for built-ins)."""
        raise NotImplementedError

    def suffix(self, i: int) -> str:
        """Lower-case file suffix of image i (".png"); "" for built-ins."""
        return ""

    def is_jpeg(self, i: int) -> bool:
        """True when image i is a JPEG file (its artefacts alone move FID)."""
        return self.suffix(i) in JPEG_SUFFIXES

    def _fingerprint_items(self) -> Any:
        raise NotImplementedError

    def fingerprint(self) -> str:
        """SHA-256 hex of what identifies the content (file list / generating parameters)."""
        payload = {"kind": self.kind, "version": self.version, "items": self._fingerprint_items()}
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r}, {len(self)} images)"
