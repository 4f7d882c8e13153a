"""What the audit reads from one file: format, size, channels, hashes; unreadable files named with a reason."""

import io

import numpy as np
from PIL import Image

from ganforge.audit.facts import inspect_image


def _encoded(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def test_colour_png():
    pixels = np.random.default_rng(0).integers(0, 256, (30, 50, 3), dtype=np.uint8)
    facts = inspect_image(3, _encoded(Image.fromarray(pixels)))
    assert (facts.index, facts.readable, facts.format, facts.mode) == (3, True, "PNG", "RGB")
    assert (facts.width, facts.height, facts.grayscale, facts.alpha) == (50, 30, False, False)
    assert facts.thumb.shape == (8 * 8 * 3,) and 0 <= facts.phash < 2**64


def test_gray_stored_as_rgb_is_grayscale_and_jpeg_chroma_noise_is_tolerated():
    gray = np.random.default_rng(1).integers(0, 256, (64, 64), dtype=np.uint8)
    rgb = Image.fromarray(np.stack([gray] * 3, axis=-1))
    assert inspect_image(0, _encoded(rgb)).grayscale
    assert inspect_image(0, _encoded(rgb, "JPEG", quality=95)).grayscale
    assert inspect_image(0, _encoded(Image.fromarray(gray))).grayscale


def test_alpha_and_exif_rotation():
    rgba = Image.new("RGBA", (10, 20), (255, 0, 0, 128))
    assert inspect_image(0, _encoded(rgba)).alpha
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: viewers show it 20 wide, 10 high
    facts = inspect_image(0, _encoded(Image.new("RGB", (10, 20), "red"), "JPEG", exif=exif.tobytes()))
    assert (facts.width, facts.height) == (20, 10)


def test_corrupt_and_non_image_bytes_are_unreadable_with_a_reason():
    whole = _encoded(Image.new("RGB", (40, 40), "blue"))
    truncated = inspect_image(0, whole[:60])
    assert not truncated.readable and truncated.error and truncated.sha256
    text = inspect_image(1, b"not an image at all")
    assert not text.readable and "cannot identify" in text.error
