"""Evaluation during training: metrics.jsonl, TensorBoard scalars, best.ckpt, and exact resume kept."""

import json

import pytest
import torch
from helpers import tiny_overrides

from ganforge.config import load_config
from ganforge.errors import UserError
from ganforge.training.evaluation import evaluation_hook
from ganforge.training.loop import train

EVAL = {"eval.every": 2, "eval.metrics": ["fid", "kid", "pr"], "eval.features": "digits", "eval.n": 40, "eval.kid_subset_size": 20,
        "eval.real": "builtin:digits", "train.steps": 4}


def test_metrics_logged_and_best_checkpoint_kept(tmp_path):
    config = load_config("dcgan-digits", tiny_overrides(**EVAL))
    run = train(config, tmp_path / "run", progress=False, step_hook=evaluation_hook(config))
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4]
    for record in records:
        assert record["fid"] > 0 and 0 <= record["precision"] <= 1 and "kid_mean" in record
        assert record["protocol"]["n_fake"] == 40
    best = json.loads((run / "best.json").read_text())
    assert best["metric"] == "fid" and best["value"] == min(r["fid"] for r in records)
    state = torch.load(run / "checkpoints/best.ckpt", weights_only=True)
    assert state["step"] == best["step"]
    tags = {p.name for p in (run / "tb").iterdir()}
    assert tags  # event files written


def test_evaluation_does_not_change_training(tmp_path):
    plain = load_config("dcgan-digits", tiny_overrides(**{"train.steps": 4}))
    with_eval = load_config("dcgan-digits", tiny_overrides(**EVAL))
    a = train(plain, tmp_path / "a", progress=False)
    b = train(with_eval, tmp_path / "b", progress=False, step_hook=evaluation_hook(with_eval))
    state_a = torch.load(a / "checkpoints/latest.ckpt", weights_only=True)
    state_b = torch.load(b / "checkpoints/latest.ckpt", weights_only=True)
    for name, tensor in state_a["networks"]["G"].items():
        assert torch.equal(tensor, state_b["networks"]["G"][name]), name


def test_kid_subset_larger_than_n_fails_at_config_time():
    with pytest.raises(UserError, match="eval.kid_subset_size"):
        load_config("dcgan-digits", tiny_overrides(**{**EVAL, "eval.kid_subset_size": 100}))


def test_unknown_best_metric_fails_before_training():
    config = load_config("dcgan-digits", tiny_overrides(**{**EVAL, "eval.best": "sharpness"}))
    with pytest.raises(UserError, match="eval.best"):
        evaluation_hook(config)


def test_class_accuracy_is_printed_per_class_and_a_lagging_class_warns(capsys):
    from ganforge.training.evaluation import report_class_accuracy

    result = {"class_accuracy": 0.85, "class_accuracy_per_class": {"0": 0.99, "1": 0.96, "5": 0.60}}
    with pytest.warns(UserWarning) as caught:
        report_class_accuracy(result, step=500)
    err = capsys.readouterr().err
    assert "step 500: class accuracy 0.850; per class: 0 0.99  1 0.96  5 0.60" in err
    assert [str(w.message) for w in caught] == [
        "step 500: class '5' is drawn as itself 60% of the time (overall 85%); "
        "train longer, or with data.balance=true if it is a rare class"
    ]


def test_class_accuracy_within_the_margin_does_not_warn(capsys, recwarn):
    from ganforge.training.evaluation import report_class_accuracy

    report_class_accuracy({"class_accuracy": 0.9, "class_accuracy_per_class": {"0": 0.95, "1": 0.8}}, step=1)
    report_class_accuracy({"fid": 3.0}, step=2)  # no class metrics: nothing printed
    assert not recwarn.list and capsys.readouterr().err.count("class accuracy") == 1


def test_joint_best_ranks_by_the_product_and_refuses_a_lower_is_better_member():
    from ganforge.training.evaluation import _joint_value, best_ranking

    assert best_ranking("cacc+cdiv") == (["class_accuracy", "class_coverage"], False)
    assert best_ranking("fid") == (["fid"], True)
    assert _joint_value({"class_accuracy": 0.9, "class_coverage": 0.5}, ["class_accuracy", "class_coverage"]) == pytest.approx(0.45)
    assert _joint_value({"class_accuracy": 0.9}, ["class_accuracy", "class_coverage"]) is None
    config = load_config("cdcgan-digits", tiny_overrides(**{**EVAL, "eval.metrics": ["fid", "cacc"], "eval.best": "cacc+fid"}))
    with pytest.raises(UserError, match="fid is lower-is-better"):
        evaluation_hook(config)
