"""Metric registry: what each metric needs, option routing, statistics-only FID and bootstrap keys."""

from __future__ import annotations

import numpy as np
import pytest

from ganforge.errors import UserError
from ganforge.metrics.fid import fid_from_features
from ganforge.metrics.inception_score import inception_score
from ganforge.metrics.kid import kernel_inception_distance
from ganforge.metrics.registry import METRICS, compute_metric, known_options, resolve_metrics
from ganforge.metrics.stats import feature_stats


@pytest.fixture(scope="module")
def features() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    basis = rng.standard_normal((4, 12))
    real = rng.standard_normal((150, 4)) @ basis + 0.3 * rng.standard_normal((150, 12))
    fake = 1.2 * rng.standard_normal((140, 4)) @ basis + 0.4 * rng.standard_normal((140, 12)) + 0.2
    return fake.astype(np.float32), real.astype(np.float32)


def test_each_metric_declares_layer_real_input_and_keys():
    described = {name: (spec.layer, spec.real_input, spec.keys) for name, spec in METRICS.items()}
    assert described["fid"] == ("pool3", "stats", ("fid",))
    assert described["kid"] == ("pool3", "features", ("kid_mean", "kid_std"))
    assert described["is"] == ("logits_unbiased", "none", ("is_mean", "is_std"))
    assert described["pr"] == ("pool3", "features", ("precision", "recall"))
    assert described["dc"] == ("pool3", "features", ("density", "coverage"))
    assert not METRICS["is"].needs_real and METRICS["is"].imagenet_only
    assert METRICS["fid"].needs_real and not METRICS["fid"].needs_real_features
    assert METRICS["kid"].needs_real_features


def test_results_have_exactly_the_declared_keys(features):
    fake, real = features
    options = {"kid_subsets": 3, "kid_subset_size": 50, "is_splits": 2}
    for name, spec in METRICS.items():
        result = compute_metric(name, fake, None if name == "is" else real, **options)
        assert tuple(result) == spec.keys, name
        assert all(isinstance(value, float) and np.isfinite(value) for value in result.values()), (
            name
        )


def test_fid_from_reference_statistics_equals_fid_from_features(features):
    fake, real = features
    from_stats = compute_metric("fid", fake, feature_stats(real))["fid"]
    assert from_stats == pytest.approx(fid_from_features(fake, real), rel=1e-12)
    assert compute_metric("fid", fake, real, fid_method="sqrtm")["fid"] == pytest.approx(
        from_stats, rel=1e-5
    )


def test_options_reach_their_metric_and_others_are_ignored(features):
    fake, real = features
    result = compute_metric(
        "kid", fake, real, kid_subsets=4, kid_subset_size=60, seed=9, pr_k=7, is_splits=3
    )
    expected = kernel_inception_distance(fake, real, subsets=4, subset_size=60, seed=9)
    assert (result["kid_mean"], result["kid_std"]) == expected
    assert (
        compute_metric("is", fake, is_splits=4, seed=1)["is_mean"]
        == inception_score(fake, 4, seed=1)[0]
    )
    with pytest.raises(UserError, match="unknown metric option.*kid_subset_sise"):
        compute_metric("kid", fake, real, kid_subset_sise=60)
    assert {
        "kid_subsets",
        "kid_subset_size",
        "seed",
        "allow_shrink",
        "fid_method",
    } <= known_options()


def test_kid_shrink_option_is_passed_through(features):
    fake, real = features
    with pytest.raises(UserError, match="--kid-subset-size 1000"):
        compute_metric("kid", fake, real, kid_subsets=2)
    with pytest.warns(UserWarning, match="shrunk from 1000 to 140"):
        compute_metric("kid", fake, real, kid_subsets=2, allow_shrink=True)


def test_missing_real_input_is_a_user_error(features):
    fake, real = features
    with pytest.raises(UserError, match="kid needs real images or features"):
        compute_metric("kid", fake, feature_stats(real), kid_subset_size=50)
    with pytest.raises(UserError, match="fid needs a real reference"):
        compute_metric("fid", fake)
    with pytest.raises(
        UserError, match="--metrics fdi: unknown metric; allowed: fid, kid, is, pr, dc"
    ):
        resolve_metrics(["fid", "fdi"])
    assert [spec.name for spec in resolve_metrics(["pr", "fid", "pr"])] == ["pr", "fid"]


def test_interval_adds_ci_keys_around_the_estimate(features):
    fake, real = features
    result = compute_metric("pr", fake, real, interval=True, ci_draws=12, ci_seed=1)
    assert set(result) == {"precision", "recall", "precision_ci", "recall_ci"}
    for key in ("precision", "recall"):
        low, high = result[f"{key}_ci"]
        assert 0.0 <= low <= high <= 1.0
    fid = compute_metric("fid", fake, feature_stats(real), interval=True, ci_draws=12)
    low, high = fid["fid_ci"]
    assert low < fid["fid"] * 1.5 and high > fid["fid"] * 0.5 and low < high
    kid = compute_metric(
        "kid", fake, real, kid_subsets=2, kid_subset_size=50, interval=True, ci_draws=5
    )
    assert set(kid) == {"kid_mean", "kid_std", "kid_mean_ci"}


def test_registries_refuse_a_second_entry_under_the_same_name():
    from ganforge.metrics.features import FEATURES, register_features
    from ganforge.metrics.registry import METRICS, register_metric

    with pytest.raises(ValueError, match="metric 'fid' is already registered"):
        register_metric(METRICS["fid"])
    before = dict(FEATURES)
    with pytest.raises(ValueError, match="feature extractor 'inception' is already registered"):
        register_features("inception")(lambda **options: None)
    assert FEATURES == before
