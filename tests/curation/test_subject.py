"""Subject share from a saliency map: a drawn square's area, outlines filled, the padded ring ignored."""

import numpy as np
import pytest

from ganforge.curation.subject import BACKGROUND_MARGIN, subject_mask, subject_share


def _map(side=35, background=10.0, ring=40.0):
    saliency = np.full((side, side), background)
    saliency[0, :] = saliency[-1, :] = saliency[:, 0] = saliency[:, -1] = ring  # zero padding inflates the edge
    return saliency


def test_a_filled_square_covers_its_area():
    saliency = _map()
    saliency[5:16, 5:16] = 30.0  # 11 x 11 cells inside the 33 x 33 interior
    assert subject_share(saliency[None])[0] == pytest.approx(121 / 33**2)


def test_an_outline_counts_with_its_inside():
    saliency = _map()
    saliency[5:25, 5] = saliency[5:25, 24] = saliency[5, 5:25] = saliency[24, 5:25] = 30.0
    assert subject_mask(saliency).sum() == 20 * 20


def test_just_above_the_margin_is_subject_and_flat_is_nothing():
    saliency = _map()
    assert subject_share(saliency[None])[0] == 0
    saliency[10, 10] = 10.0 * BACKGROUND_MARGIN * 1.01
    saliency[12, 12] = 10.0 * BACKGROUND_MARGIN * 0.99
    assert subject_mask(saliency).sum() == 1
