"""Decode image bytes or files into PIL images of mode "L", "RGB" or "RGBA".

Every other mode is normalised (registry `MODE_NORMALISERS`, anything unlisted -> "RGB"):

- "1" -> "L" (0/255); "P" -> "RGBA" when the palette carries transparency, else "RGB";
  "LA", "La", "PA", "RGBa" -> "RGBA"; "CMYK", "YCbCr", "LAB", "HSV", "RGBX" ... -> "RGB".
- 16-bit ("I;16", "I;16L", "I;16B", "I;16N") and 32-bit integer "I" are read as 16-bit values:
  clipped to [0, 65535] and scaled by 255/65535 (rounded), so 65535 -> 255.
- "F" (32-bit float) follows PIL's own convention for float images (values on the 0..255
  scale, as `Image.fromarray(float_array)` and `convert("L")` treat them): clipped to
  [0, 255] and rounded.

EXIF orientation is applied, so a photo comes out the way viewers show it (`upright=False`
leaves the stored pixels as they are, as the reference FID tools read them).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

# Larger images are skipped: PIL's own decompression-bomb threshold (about 0.27 GB as RGB),
# far beyond what GAN training or FID (299x299) needs.
MAX_PIXELS = 89_478_485


class UnreadableImage(Exception):
    """A file that is not a decodable image; `name` names it, `reason` says why (one line)."""

    def __init__(self, name: str, reason: str = "not a readable image") -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def _keep(img: Image.Image) -> Image.Image:
    return img


def _to(mode: str) -> Callable[[Image.Image], Image.Image]:
    def convert(img: Image.Image) -> Image.Image:
        return img.convert(mode)

    return convert


def _palette(img: Image.Image) -> Image.Image:
    return img.convert("RGBA" if img.has_transparency_data else "RGB")


def _sixteen_bit(img: Image.Image) -> Image.Image:
    values = np.asarray(img).astype(np.float64)
    # 65535 / 257 == 255: the whole 16-bit range maps onto the whole 8-bit range.
    scaled = np.rint(np.clip(values, 0, 65535) / 257.0).astype(np.uint8)
    return Image.fromarray(scaled, mode="L")


def _float(img: Image.Image) -> Image.Image:
    values = np.nan_to_num(np.asarray(img, dtype=np.float64), nan=0.0)
    return Image.fromarray(np.rint(np.clip(values, 0, 255)).astype(np.uint8), mode="L")


MODE_NORMALISERS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "L": _keep,
    "RGB": _keep,
    "RGBA": _keep,
    "1": _to("L"),
    "P": _palette,
    "LA": _to("RGBA"),
    "La": _to("RGBA"),
    "PA": _to("RGBA"),
    "RGBa": _to("RGBA"),
    "I;16": _sixteen_bit,
    "I;16L": _sixteen_bit,
    "I;16B": _sixteen_bit,
    "I;16N": _sixteen_bit,
    "I": _sixteen_bit,
    "F": _float,
}


def normalise_mode(img: Image.Image) -> Image.Image:
    """Return `img` in mode "L", "RGB" or "RGBA" (see the module docstring for each rule)."""
    return MODE_NORMALISERS.get(img.mode, _to("RGB"))(img)


def decode_image(data: bytes | str | Path, name: str | None = None, upright: bool = True) -> Image.Image:
    """Bytes or a file path -> fully loaded PIL image in mode "L", "RGB" or "RGBA".

    Raises `UnreadableImage(name)` for anything PIL cannot decode (truncated, corrupt, not an
    image, a decompression bomb). Animated or multi-page files give their first frame.
    """
    label = name if name is not None else (str(data) if not isinstance(data, bytes) else "<bytes>")
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our limit decides
            with Image.open(stream) as opened:
                _check_size(opened.size, label)
                opened.load()
                return normalise_mode(_upright(opened) if upright else opened.copy())
    except UnreadableImage:
        raise
    except Image.DecompressionBombError:
        raise UnreadableImage(label, f"too large (over {MAX_PIXELS:,} pixels, the limit)") from None
    # PIL signals corrupt data with many types (OSError, SyntaxError, ValueError, struct.error,
    # ...); all mean the same thing here: this file cannot be used.
    except Exception as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        reason = reason.replace(repr(stream), "the data")  # PIL names an in-memory stream by its repr
        raise UnreadableImage(label, f"unreadable image ({reason})") from None


def _check_size(size: tuple[int, int], label: str) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise UnreadableImage(
            label, f"too large ({width}x{height} = {width * height:,} pixels; the limit is {MAX_PIXELS:,})"
        )


def _upright(img: Image.Image) -> Image.Image:
    """A loaded copy with the EXIF orientation applied; a malformed EXIF block is ignored."""
    try:
        return ImageOps.exif_transpose(img)
    except Exception:
        return img.copy()


def to_rgb_uint8(img: Image.Image) -> np.ndarray:
    """PIL image -> [3,H,W] uint8 via PIL `convert("RGB")`.

    Grayscale is repeated over the three channels; an alpha channel is dropped (not
    composited), which is what PIL's convert does and what the reference FID tools see.
    """
    return np.ascontiguousarray(np.asarray(img.convert("RGB")).transpose(2, 0, 1))
