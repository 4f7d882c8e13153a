"""The k-nearest-neighbour score and its threshold, on vectors whose similarities are known."""

import numpy as np
import pytest

from ganforge.curation.scoring import (
    NEIGHBOURS,
    keep_threshold,
    nearest_similarity,
    normalised,
    score,
)


def _unit(angles_degrees):
    radians = np.radians(angles_degrees)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1)


def test_nearest_similarity_is_the_mean_over_the_nearest_examples():
    examples = _unit([0, 10, 20, 90, 180])
    value = nearest_similarity(_unit([0]), examples)
    assert NEIGHBOURS == 3
    assert value[0] == pytest.approx(np.mean(np.cos(np.radians([0, 10, 20]))))


def test_leave_one_out_skips_the_example_itself():
    examples = _unit([0, 30, 60, 90])
    inside = nearest_similarity(examples, examples, leave_one_out=True)
    # example at 0 degrees: its 3 others lie 30, 60, 90 degrees away
    assert inside[0] == pytest.approx(np.mean(np.cos(np.radians([30, 60, 90]))))
    assert nearest_similarity(examples[:1], examples[:1], leave_one_out=True)[0] == 0  # no neighbour left


def test_threshold_keeps_the_asked_share_of_examples_and_separates():
    rng = np.random.default_rng(0)
    wanted_direction, other_direction = np.eye(16)[0], np.eye(16)[1]
    like = wanted_direction + 0.3 * rng.normal(size=(40, 16))
    wanted = wanted_direction + 0.3 * rng.normal(size=(60, 16))
    others = other_direction + 0.3 * rng.normal(size=(20, 16))
    scored = score(np.concatenate([wanted, others]), like, recall=0.9)
    assert (scored.like >= scored.threshold).sum() == 36  # 90% of 40
    kept = scored.source >= scored.threshold
    assert kept[60:].sum() == 0 and kept[:60].mean() > 0.8


@pytest.mark.parametrize(("recall", "kept"), [(0.9, 18), (0.91, 19), (0.05, 1), (1.0, 20), (0.001, 1)])
def test_threshold_keeps_at_least_the_share(recall, kept):
    example_scores = np.random.default_rng(1).permutation(np.arange(20.0))
    assert (example_scores >= keep_threshold(example_scores, recall)).sum() == kept


def test_unlike_examples_subtract_their_similarity():
    like, unlike = _unit([0, 5, 10]), _unit([90, 95, 100])
    source = _unit([45])
    scored = score(source, like, unlike)
    towards_like = np.mean(np.cos(np.radians([35, 40, 45])))
    towards_unlike = np.mean(np.cos(np.radians([45, 50, 55])))
    assert scored.source[0] == pytest.approx(towards_like - towards_unlike)
    assert scored.unlike.shape == (3,) and (scored.unlike < scored.threshold).all()


def test_scale_does_not_matter():
    rows = np.array([[3.0, 4.0], [0.0, 0.0]])
    assert np.allclose(normalised(rows), [[0.6, 0.8], [0.0, 0.0]])
