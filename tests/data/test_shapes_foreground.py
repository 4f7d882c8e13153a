"""The foreground rules of builtin:shapes images: centre, area, colour, position and size classes."""

import numpy as np
import pytest
import torch

from ganforge.data.shapes import make_shapes
from ganforge.data.shapes_foreground import (
    NOTHING,
    coverage,
    measures,
    read_colour,
    read_position,
    read_size,
)


def _one_square(colour: tuple[int, int, int]) -> torch.Tensor:
    image = torch.zeros((1, 3, 32, 32), dtype=torch.uint8)
    background = torch.tensor(make_shapes().pixels[0][0, 0])  # the data's background colour
    image[:] = background[None, :, None, None]
    image[0, :, 4:12, 20:28] = torch.tensor(colour, dtype=torch.uint8)[:, None, None]
    return image


def test_measures_read_centre_and_area_of_the_shape():
    x, y, area = measures(_one_square((255, 0, 0)))[0]
    assert x == pytest.approx(0.75) and y == pytest.approx(0.25) and area == pytest.approx(64 / 1024, rel=0.05)


def test_the_rules_read_the_attributes_builtin_shapes_drew():
    data = make_shapes()
    pixels = torch.from_numpy(np.array(data.pixels[:200])).permute(0, 3, 1, 2)
    cover = coverage(pixels)
    truth = data.attributes[:200]
    colours, positions = read_colour(pixels, cover), read_position(cover)
    sizes = read_size(cover, [attrs["shape"] for attrs in truth])
    for key, read in (("colour", colours), ("position", positions), ("size", sizes)):
        right = sum(r == attrs[key] for r, attrs in zip(read, truth, strict=True))
        assert right / len(truth) > 0.95, key


def test_an_empty_image_reads_nothing():
    background = torch.tensor(make_shapes().pixels[0][0, 0])
    image = background[None, :, None, None].expand(1, 3, 32, 32).contiguous()
    cover = coverage(image)
    assert float(cover.sum()) == 0
    assert read_colour(image, cover) == [NOTHING] and read_position(cover) == [NOTHING]
    assert read_size(cover, ["circle"]) == [NOTHING]
