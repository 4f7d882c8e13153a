"""Reading a run directory as it stands, and turning its records into curves."""

import json
import os
import time

import numpy as np

from ganforge.report.run import read_jsonl, read_run
from ganforge.report.series import best_and_final, interval_kind, metric_curve, metric_keys, series


def test_half_written_last_line_is_left_out(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"step": 1, "d_loss": 0.5}\n{"step": 2, "d_loss": 0.4}\n{"step": 3, "d_lo')
    assert [r["step"] for r in read_jsonl(path)] == [1, 2]


def test_resumed_steps_keep_the_later_value():
    records = [{"step": 1, "g_loss": 1.0}, {"step": 2, "g_loss": 2.0}, {"step": 2, "g_loss": 3.0},
               {"step": 3, "g_loss": float("nan")}]
    curve = series(records, "g_loss")
    assert curve.steps.tolist() == [1, 2] and curve.values.tolist() == [1.0, 3.0]


def test_kid_band_is_mean_plus_minus_std_and_ci_wins():
    records = [{"step": 10, "kid_mean": 0.05, "kid_std": 0.01, "fid": 30.0, "fid_ci": [28.0, 33.0]},
               {"step": 20, "kid_mean": 0.03, "kid_std": 0.02, "fid": 20.0, "fid_ci": [18.5, 21.0]}]
    assert metric_keys(records) == ["kid_mean", "fid"]  # kid_std belongs to kid_mean
    kid = metric_curve(records, "kid_mean")
    np.testing.assert_allclose(kid.low, [0.04, 0.01])
    np.testing.assert_allclose(kid.high, [0.06, 0.05])
    fid = metric_curve(records, "fid")
    assert fid.low.tolist() == [28.0, 18.5] and fid.high.tolist() == [33.0, 21.0]
    assert interval_kind(records, "fid") == "95% CI" and interval_kind(records, "kid_mean") == "± std"


def test_per_class_parts_are_kept_apart():
    records = [{"step": 5, "ifid": 9.0, "ifid/cat": 8.0, "ifid/dog": 10.0, "class_accuracy": 0.5}]
    assert metric_keys(records) == ["ifid", "class_accuracy"]
    assert metric_keys(records, parts=True) == ["ifid/cat", "ifid/dog"]


def test_best_follows_the_metric_direction():
    records = [{"step": s, "fid": f, "precision": p} for s, f, p in [(1, 9.0, 0.2), (2, 4.0, 0.7), (3, 6.0, 0.5)]]
    assert best_and_final(metric_curve(records, "fid"), "fid") == {"best": 4.0, "best_step": 2, "final": 6.0, "final_step": 3}
    assert best_and_final(metric_curve(records, "precision"), "precision")["best"] == 0.7


def test_status_of_a_run_without_final_samples(tmp_path):
    (tmp_path / "config.yaml").write_text("name: x\ntrain: {steps: 100}\n")
    (tmp_path / "log.jsonl").write_text(json.dumps({"step": 40, "d_loss": 1.0}) + "\n")
    run = read_run(tmp_path)
    assert run.status() == "training" and run.last_step == 40 and run.planned_steps == 100
    old = time.time() - 3600
    os.utime(tmp_path / "log.jsonl", (old, old))
    assert read_run(tmp_path).status() == "stopped"


def test_task_key_of_the_config(tmp_path):
    (tmp_path / "config.yaml").write_text("task: {name: translation}\n")
    assert read_run(tmp_path).task == "translation"
    (tmp_path / "config.yaml").write_text("task: text\n")
    assert read_run(tmp_path).task == "text"
    (tmp_path / "config.yaml").write_text("name: plain\n")
    assert read_run(tmp_path).task == "unconditional"
