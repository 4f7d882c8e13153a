"""Colour hints: sampled from targets in training, read from a user's image, and obeyed by translate."""

import numpy as np
import torch
from PIL import Image
from torch import nn

from ganforge.translation.files import translate_file
from ganforge.translation.hints import hints_from_image, sample_hints, training_counts
from ganforge.translation.translator import Translator


def test_training_counts_are_often_zero_and_sometimes_many():
    counts = training_counts(4000, 0.125, 0.125, torch.Generator().manual_seed(0))
    assert abs((counts == 0).float().mean() - 0.125) < 0.02
    assert counts.max() > 20 and abs(counts[counts > 0].float().mean() - 8) < 0.5  # 1 + Geometric(1/8): mean 8


def test_sampled_hints_carry_the_target_colour_inside_the_mask():
    target = torch.zeros(3, 3, 32, 32)
    target[:, 0] = 0.5
    hints, mask = sample_hints(target, torch.tensor([0, 1, 10]), 3, torch.Generator().manual_seed(0))
    assert mask[0].sum() == 0 and 1 <= mask[1].sum() <= 9 and mask[2].sum() >= 10
    assert torch.equal(hints[:, 0][mask[:, 0].bool()], torch.full((int(mask.sum()),), 0.5))


def test_hints_image_marks_non_background_pixels(tmp_path):
    canvas = np.zeros((8, 10, 3), dtype=np.uint8)
    canvas[2, 3] = (255, 0, 0)
    canvas[5, 5] = (255, 255, 255)  # white: background
    hints, mask = hints_from_image(Image.fromarray(canvas), (10, 8), "h.png")
    assert mask.sum() == 1 and mask[0, 0, 2, 3] == 1
    assert torch.allclose(hints[0, :, 2, 3], torch.tensor([1.0, -1.0, -1.0]))
    rgba = np.zeros((8, 10, 4), dtype=np.uint8)
    rgba[1, 1] = (0, 0, 0, 255)  # opaque black is a hint in an image with transparency
    _, mask = hints_from_image(Image.fromarray(rgba, "RGBA"), (10, 8), "h.png")
    assert mask.sum() == 1 and mask[0, 0, 1, 1] == 1


class PaintHints(nn.Module):
    """A controlled colouriser: the hint colour where the mask is set, the gray value elsewhere."""

    multiple = 4

    def forward(self, x):
        gray, hints, mask = x[:, :1], x[:, 1:4], x[:, 4:5]
        return torch.where(mask.bool(), hints, gray.expand(-1, 3, -1, -1))


def test_translate_with_hints_changes_the_colour_as_asked(tmp_path):
    translator = Translator(PaintHints(), "AtoB", 1, 3, True, None)
    Image.new("RGB", (13, 9), (128, 128, 128)).save(tmp_path / "gray.png")  # converted to gray by translate
    hints = np.zeros((9, 13, 3), dtype=np.uint8)
    hints[4, 6] = (20, 200, 30)
    Image.fromarray(hints).save(tmp_path / "hints.png")
    plain = translate_file(translator, tmp_path / "gray.png")
    hinted = translate_file(translator, tmp_path / "gray.png", tmp_path / "hints.png")
    assert plain.shape == hinted.shape == (3, 9, 13)  # padded to 12x16 inside, cropped back
    assert plain[:, 4, 6].tolist() == [128, 128, 128]
    assert hinted[:, 4, 6].tolist() == [20, 200, 30]
    assert torch.equal(hinted[:, 0, 0], plain[:, 0, 0])
