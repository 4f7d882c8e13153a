"""One metric registry: every metric name a command or a run accepts is in `catalog.CATALOG`,
with what it needs and its direction, and each one has a computation."""

import pytest

from ganforge.metrics import catalog


def test_every_metric_namespace_is_a_view_of_the_catalog():
    from ganforge.metrics.conditional import CONDITIONAL_METRICS
    from ganforge.metrics.registry import METRICS
    from ganforge.training.evaluation import ALIGNMENT_METRICS
    from ganforge.translation.evaluate import DISTRIBUTION_METRICS, TRANSLATION_METRICS
    from ganforge.translation.metrics import PAIRED_METRICS

    assert set(METRICS) == {name for name, m in catalog.CATALOG.items() if m.computation is not None}
    assert set(CONDITIONAL_METRICS) == {"ifid", "cacc", "cdiv"}
    assert set(TRANSLATION_METRICS) == {"psnr", "ssim", "l1", "fid", "kid", "cycle_psnr"}
    assert set(DISTRIBUTION_METRICS) == {"fid", "kid"} and set(ALIGNMENT_METRICS) == {"attributes", "spread"}
    assert set(PAIRED_METRICS) == set(catalog.names(needs="pairs"))
    computed = set(METRICS) | set(CONDITIONAL_METRICS) | set(TRANSLATION_METRICS) | set(ALIGNMENT_METRICS)
    assert computed == set(catalog.CATALOG)  # no name without a computation, none computed unlisted


def test_direction_comes_from_the_catalog_everywhere():
    from ganforge.report.series import LOWER_IS_BETTER, Curve, best_and_final
    from ganforge.training.evaluation import best_ranking

    assert best_ranking("l1") == (["l1"], True) and best_ranking("psnr") == (["psnr"], False)
    assert best_ranking("cacc+cdiv") == (["class_accuracy", "class_coverage"], False)
    assert {"fid", "kid_mean", "fd_infinity", "ifid", "l1"} <= LOWER_IS_BETTER
    assert not {"psnr", "precision", "class_accuracy"} & LOWER_IS_BETTER
    import numpy as np

    curve = Curve("run", np.array([1, 2, 3]), np.array([0.3, 0.1, 0.2]))
    assert best_and_final(curve, "l1")["best"] == 0.1  # lower is better for L1 in the report too


def test_a_metric_is_registered_once():
    with pytest.raises(ValueError, match="'fid' is already registered"):
        catalog.register("fid", ["features"], [catalog.IMAGES], "fid", higher_is_better=False)


def test_the_evaluation_kind_limits_the_names_a_run_accepts():
    from ganforge.config import load_config
    from ganforge.errors import UserError
    from ganforge.training.evaluation import check_evaluation_settings

    check_evaluation_settings(load_config("pix2pix-shapes", ["eval.metrics=[psnr,fid]", "eval.best=l1"]))
    with pytest.raises(UserError, match="eval.metrics: unknown metric 'psnr'"):
        check_evaluation_settings(load_config("dcgan-digits", ["eval.metrics=[psnr]"]))
    with pytest.raises(UserError, match="eval.metrics: unknown metric 'is'"):
        check_evaluation_settings(load_config("pix2pix-shapes", ["eval.metrics=[is]"]))
