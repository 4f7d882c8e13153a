"""builtin:digits: scikit-learn's 1,797 digits at 32×32 with their labels."""

from __future__ import annotations

import numpy as np

from ganforge.data import open_source
from ganforge.data.digits import read_sklearn_digits

# Per-class counts of scikit-learn's digits (its documentation: ~180 per class, 1,797 total).
SKLEARN_CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_size_mode_and_labels():
    source = open_source("builtin:digits")
    assert len(source) == 1797
    img = source.image(0)
    assert img.mode == "L" and img.size == (32, 32)
    assert np.bincount(source.labels).tolist() == SKLEARN_CLASS_COUNTS
    assert source.class_names == [str(d) for d in range(10)]
    assert source.name(5) == "builtin:digits[5]"


def test_direct_read_and_fallback_both_match_load_digits(monkeypatch):
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images, targets = read_sklearn_digits()
    np.testing.assert_array_equal(images, bunch.images)
    np.testing.assert_array_equal(targets, bunch.target)
    # Without the bundled CSV where we expect it, the data still comes from load_digits.
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    images, targets = read_sklearn_digits()
    np.testing.assert_array_equal(images, bunch.images)
    np.testing.assert_array_equal(targets, bunch.target)


def test_upsampled_digits_keep_the_original_pixels():
    source = open_source("builtin:digits")
    small, _ = read_sklearn_digits()
    big = np.stack([np.asarray(source.image(i), dtype=np.float64) for i in range(200)])
    assert big.min() == 0 and big.max() == 255
    # Averaging each 4×4 block back gives the 8×8 original (×255/16) up to interpolation blur.
    pooled = big.reshape(200, 8, 4, 8, 4).mean(axis=(2, 4))
    expected = small[:200] * 255 / 16
    assert np.corrcoef(pooled.ravel(), expected.ravel())[0, 1] > 0.97
    assert np.abs(pooled - expected).mean() < 15
