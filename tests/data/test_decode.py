"""Decoding: every PIL mode comes out as "L", "RGB" or "RGBA" with the documented values."""

from __future__ import annotations

import numpy as np
import pytest
from data_helpers import encode
from PIL import Image

from ganforge.data.decode import UnreadableImage, decode_image, normalise_mode, to_rgb_uint8


def test_l_rgb_rgba_are_kept_exactly():
    rng = np.random.default_rng(0)
    for mode, shape in [("L", (5, 7)), ("RGB", (5, 7, 3)), ("RGBA", (5, 7, 4))]:
        pixels = rng.integers(0, 256, size=shape, dtype=np.uint8)
        decoded = decode_image(encode(Image.fromarray(pixels, mode=mode)))
        assert decoded.mode == mode
        np.testing.assert_array_equal(np.asarray(decoded), pixels)


def _palette_image(transparent_index: int | None) -> Image.Image:
    img = Image.new("P", (3, 1))
    img.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * (256 * 3 - 9))
    img.putdata([0, 1, 2])
    if transparent_index is not None:
        img.info["transparency"] = transparent_index
    return img


def test_palette_without_transparency_becomes_rgb():
    decoded = decode_image(encode(_palette_image(None)))
    assert decoded.mode == "RGB"
    assert list(decoded.getdata()) == [(255, 0, 0), (0, 255, 0), (0, 0, 255)]


def test_palette_with_transparency_becomes_rgba():
    decoded = decode_image(encode(_palette_image(1), transparency=1))
    assert decoded.mode == "RGBA"
    assert list(decoded.getdata()) == [(255, 0, 0, 255), (0, 255, 0, 0), (0, 0, 255, 255)]


def test_la_becomes_rgba_with_gray_repeated():
    pixels = np.array([[[10, 0], [200, 255]]], dtype=np.uint8)  # [1,2,(L,A)]
    decoded = decode_image(encode(Image.fromarray(pixels, mode="LA")))
    assert decoded.mode == "RGBA"
    assert list(decoded.getdata()) == [(10, 10, 10, 0), (200, 200, 200, 255)]


@pytest.mark.parametrize("mode, fmt", [("I;16", "PNG"), ("I;16B", "TIFF")])
def test_sixteen_bit_scales_full_range(mode, fmt):
    values = np.array([[0, 257, 32896, 65535]], dtype=">u2" if mode.endswith("B") else "<u2")
    img = Image.frombytes(mode, (4, 1), values.tobytes())
    decoded = decode_image(encode(img, fmt))
    assert decoded.mode == "L"
    assert list(decoded.getdata()) == [0, 1, 128, 255]


def test_int32_is_read_as_sixteen_bit_and_clipped():
    values = np.array([[-5, 514, 65535, 70000]], dtype=np.int32)
    decoded = decode_image(encode(Image.fromarray(values), "TIFF"))
    assert decoded.mode == "L"
    assert list(decoded.getdata()) == [0, 2, 255, 255]


def test_float_is_clipped_on_the_0_255_scale():
    values = np.array([[-3.0, 12.4, 12.6, 300.0]], dtype=np.float32)
    decoded = decode_image(encode(Image.fromarray(values), "TIFF"))
    assert decoded.mode == "L"
    assert list(decoded.getdata()) == [0, 12, 13, 255]


def test_bilevel_becomes_l_with_0_and_255():
    img = Image.new("1", (2, 1))
    img.putpixel((1, 0), 1)
    decoded = decode_image(encode(img))
    assert decoded.mode == "L"
    assert list(decoded.getdata()) == [0, 255]


def test_cmyk_becomes_rgb():
    img = Image.new("CMYK", (2, 2), (0, 255, 255, 0))  # pure red in print colours
    decoded = decode_image(encode(img, "TIFF"))
    assert decoded.mode == "RGB"
    assert decoded.getpixel((0, 0)) == (255, 0, 0)


@pytest.mark.parametrize(
    "mode, expected", [("PA", "RGBA"), ("YCbCr", "RGB"), ("HSV", "RGB"), ("RGBX", "RGB")]
)
def test_other_modes_normalise(mode, expected):
    assert normalise_mode(Image.new(mode, (2, 2))).mode == expected


def test_exif_orientation_is_applied():
    pixels = np.zeros((2, 4, 3), dtype=np.uint8)  # 4 wide, 2 high
    pixels[0, 0] = 255  # white top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # stored image must be rotated 90° clockwise to display
    decoded = decode_image(encode(Image.fromarray(pixels), "PNG", exif=exif))
    assert decoded.size == (2, 4)
    assert decoded.getpixel((1, 0)) == (255, 255, 255)  # top-left moved to top-right
    assert sum(sum(p) for p in decoded.getdata()) == 3 * 255


def test_corrupt_and_truncated_data_raise_unreadable_image_with_the_name(tmp_path):
    good = encode(Image.new("RGB", (16, 16), (10, 20, 30)))
    for data in [b"definitely not an image", good[: len(good) // 2]]:
        with pytest.raises(UnreadableImage) as caught:
            decode_image(data, "folder/bad.png")
        assert caught.value.name == "folder/bad.png"
        assert "bad.png" in str(caught.value)
    with pytest.raises(UnreadableImage, match="missing.png"):
        decode_image(tmp_path / "missing.png")


def test_to_rgb_uint8_repeats_gray_and_drops_alpha():
    gray = to_rgb_uint8(Image.fromarray(np.array([[7, 9]], dtype=np.uint8), mode="L"))
    assert gray.shape == (3, 1, 2) and gray.dtype == np.uint8
    np.testing.assert_array_equal(gray[:, 0, 1], [9, 9, 9])
    rgba = Image.fromarray(np.array([[[200, 100, 50, 0]]], dtype=np.uint8), mode="RGBA")
    np.testing.assert_array_equal(to_rgb_uint8(rgba)[:, 0, 0], [200, 100, 50])
