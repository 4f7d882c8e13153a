"""Spread within each class (cdiv): recall and coverage per class, with their ceiling and floor."""

import numpy as np
import pytest

from ganforge.errors import UserError
from ganforge.metrics.class_spread import class_spread


def _clusters(rng, n, centres, scale=1.0):
    return {k: centre + scale * rng.normal(size=(n, 2)) for k, centre in enumerate(centres)}


def test_a_generator_that_spreads_like_the_data_reaches_the_ceiling_and_one_image_per_class_the_floor():
    rng = np.random.default_rng(0)
    real = _clusters(rng, 200, [(0, 0), (20, 0)])
    spread_like_data = _clusters(rng, 200, [(0, 0), (20, 0)])
    collapsed = {k: np.repeat(v[:1] + 0.01, 200, axis=0) for k, v in _clusters(rng, 200, [(0, 0), (20, 0)]).items()}
    good = class_spread(spread_like_data, real, ["a", "b"], seed=0)
    bad = class_spread(collapsed, real, ["a", "b"], seed=0)
    assert good["class_recall"] > 0.85 and good["class_coverage"] > 0.85
    assert abs(good["class_recall"] - good["class_recall_real"]) < 0.1
    assert bad["class_recall"] < 0.05 and bad["class_coverage"] < 0.1
    assert bad["class_recall_one_image"] < 0.05 and bad["class_coverage_one_image"] < 0.1
    assert good["class_recall_real"] == bad["class_recall_real"]  # the references use real images only


def test_one_narrow_class_shows_in_its_own_value():
    rng = np.random.default_rng(1)
    real = _clusters(rng, 200, [(0, 0), (20, 0)])
    fake = _clusters(rng, 200, [(0, 0), (20, 0)])
    fake[1] = (20, 0) + 0.2 * rng.normal(size=(200, 2))  # class b drawn in a tenth of its spread
    result = class_spread(fake, real, ["a", "b"], seed=0)
    assert result["class_coverage_per_class"]["a"] > 0.85
    assert result["class_coverage_per_class"]["b"] < 0.3
    assert result["class_recall_per_class"]["b"] < 0.3


def test_too_few_images_of_a_class_is_a_user_error_naming_it():
    rng = np.random.default_rng(2)
    real = {0: rng.normal(size=(50, 2)), 1: rng.normal(size=(5, 2))}
    fake = {0: rng.normal(size=(50, 2)), 1: rng.normal(size=(50, 2))}
    with pytest.raises(UserError, match=r"cdiv: too few images of classes \{'b': 5\}"):
        class_spread(fake, real, ["a", "b"], seed=0)
