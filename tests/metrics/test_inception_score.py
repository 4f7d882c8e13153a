"""Inception Score: conformance with torch-fidelity and its values on known distributions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_fidelity.metric_isc import isc_features_to_metric

from ganforge.errors import UserError
from ganforge.metrics.inception_score import inception_score


def class_logits(seed: int, n: int, classes: int = 1008) -> torch.Tensor:
    """float32 logits [n, classes]: each image leans towards one of 40 classes, with noise."""
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, classes, generator=generator) * 2
    favourite = torch.randint(0, 40, (n,), generator=generator)
    logits[torch.arange(n), favourite] += 8
    return logits


@pytest.mark.parametrize(
    ("splits", "shuffle", "seed"), [(10, True, 2020), (7, False, 2020), (3, True, 5)]
)
def test_inception_score_matches_torch_fidelity(splits, shuffle, seed):
    logits = class_logits(seed, 503)  # 503 is not divisible by the splits: uneven chunks
    mean, std = inception_score(logits, splits=splits, shuffle=shuffle, seed=seed)
    oracle = isc_features_to_metric(logits, splits=splits, shuffle=shuffle, rng_seed=seed)
    assert mean > 5 and std > 0
    assert mean == pytest.approx(oracle["inception_score_mean"], rel=1e-6)
    assert std == pytest.approx(oracle["inception_score_std"], rel=1e-6)


def test_shuffling_changes_the_splits_but_not_a_single_split():
    logits = class_logits(1, 200).numpy()
    assert inception_score(logits, shuffle=True) != inception_score(logits, shuffle=False)
    assert inception_score(logits, splits=1, shuffle=True) == pytest.approx(
        inception_score(logits, splits=1, shuffle=False), rel=1e-12
    )


def test_uniform_predictions_score_one_and_confident_balanced_ones_score_the_class_count():
    assert inception_score(np.zeros((50, 10)), splits=5) == pytest.approx((1.0, 0.0), abs=1e-12)
    confident = 60.0 * np.eye(10)[np.arange(100) % 10]  # every split holds each class once
    mean, std = inception_score(confident, splits=10, shuffle=False)
    assert mean == pytest.approx(10.0, rel=1e-9) and std == pytest.approx(0.0, abs=1e-9)


def test_fewer_images_than_splits_is_a_user_error():
    with pytest.raises(UserError, match="9 images cannot be cut into 10 splits"):
        inception_score(np.zeros((9, 5)))
