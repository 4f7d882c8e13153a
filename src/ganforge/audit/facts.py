"""What the audit learns from one image file: hash, format, size, channels, perceptual hash, thumbnail.

`inspect_image` is a pure function of the file's bytes, so it runs in worker processes.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image, ImageOps

from ganforge.data.decode import normalise_mode

THUMB = 8  # side of the RGB thumbnail whose pixels are the outlier features
DRAFT = 64  # JPEGs are decoded at a reduced scale of at least this side: 4-8x faster, same hashes
GRAY_TOLERANCE = 2  # max channel difference (0..255) still called gray: JPEG chroma noise
EXIF_ORIENTATION = 0x0112
# Formats whose EXIF orientation viewers apply; reading EXIF from a PNG costs a full decode.
EXIF_FORMATS = frozenset({"JPEG", "MPO", "TIFF", "WEBP"})
ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


@dataclass
class ImageFacts:
    """One file. `readable` False: only `sha256`, `n_bytes` and `error` are meaningful."""

    index: int
    n_bytes: int
    sha256: str
    readable: bool
    error: str = ""
    format: str = ""
    mode: str = ""
    width: int = 0
    height: int = 0
    grayscale: bool = False  # one channel, or three equal ones
    alpha: bool = False  # carries an alpha channel or transparency
    phash: int = 0  # 64-bit DCT perceptual hash (imagehash.phash)
    thumb: np.ndarray | None = None  # [THUMB*THUMB*3] uint8

    def to_json(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "thumb"}
        data["phash"] = f"{self.phash:016x}"
        return data


def _is_gray(rgb: Image.Image) -> bool:
    pixels = np.asarray(rgb, dtype=np.int16)
    return bool(np.abs(pixels[..., 0] - pixels[..., 1]).max() <= GRAY_TOLERANCE
                and np.abs(pixels[..., 1] - pixels[..., 2]).max() <= GRAY_TOLERANCE)


def phash_int(image: Image.Image) -> int:
    """imagehash.phash (32x32 gray, DCT, 8x8 low frequencies above their median) as a 64-bit int."""
    bits = imagehash.phash(image).hash.flatten()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def _describe(facts: ImageFacts, image: Image.Image, width: int, height: int) -> ImageFacts:
    """Fill the pixel facts from a decoded, upright image in mode "L", "RGB" or "RGBA"."""
    facts.readable, facts.width, facts.height = True, width, height
    facts.alpha = image.mode == "RGBA" or "transparency" in image.info
    rgb = image.convert("RGB")
    facts.grayscale = image.mode == "L" or _is_gray(rgb)
    facts.phash = phash_int(image)
    facts.thumb = np.asarray(rgb.resize((THUMB, THUMB), Image.BOX), dtype=np.uint8).reshape(-1)
    return facts


def inspect_image(index: int, data: bytes) -> ImageFacts:
    """Facts of one encoded image; a file PIL cannot decode gives `readable=False` and the reason."""
    facts = ImageFacts(index=index, n_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), readable=False)
    try:
        with Image.open(io.BytesIO(data)) as opened:
            facts.format, facts.mode = opened.format or "", opened.mode
            width, height = opened.size
            oriented = opened.format in EXIF_FORMATS
            if oriented and opened.getexif().get(EXIF_ORIENTATION, 1) in ROTATED:
                width, height = height, width
            opened.draft("RGB", (DRAFT, DRAFT))  # JPEG only: decode at a reduced scale
            opened.load()
            image = normalise_mode(ImageOps.exif_transpose(opened) if oriented else opened)
    # PIL reports corrupt data with many exception types; each means this file cannot be used.
    except Exception as err:
        facts.error = (str(err).splitlines() or [""])[0] or type(err).__name__
        return facts
    return _describe(facts, image, width, height)


def inspect_decoded(index: int, image: Image.Image, raw: bytes) -> ImageFacts:
    """Facts of an image that exists only as pixels (built-in sources); `raw` identifies its content."""
    facts = ImageFacts(index=index, n_bytes=len(raw), sha256=hashlib.sha256(raw).hexdigest(), readable=False,
                       format="builtin", mode=image.mode)
    return _describe(facts, image, image.width, image.height)
