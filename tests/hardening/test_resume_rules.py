"""Resume rules: continue from the saved config, change only what may change mid-run, say when done."""

from __future__ import annotations

import pytest
import torch
import yaml
from hardening_helpers import TINY_RUN_OVERRIDES, error_lines, snapshot

from ganforge.cli import main


@pytest.fixture
def run(tmp_path, capsys):
    run_dir = tmp_path / "run"
    argv = ["train", "dcgan-digits", *TINY_RUN_OVERRIDES, "train.steps=2", "ckpt.every=2", "--run-dir",
            str(run_dir), "--no-progress"]
    assert main(argv) == 0
    capsys.readouterr()
    return run_dir


def _step(run_dir) -> int:
    return torch.load(run_dir / "checkpoints/latest.ckpt", weights_only=True)["step"]


def _saved(run_dir) -> dict:
    return yaml.safe_load((run_dir / "config.yaml").read_text())


def test_finished_run_says_so_and_how_to_extend_it(run, capsys):
    before = snapshot(run)
    assert main(["train", "--resume", "--run-dir", str(run)]) == 0
    err = capsys.readouterr().err
    assert "finished (step 2 of train.steps=2)" in err and f"--run-dir {run} train.steps=4" in err
    assert snapshot(run) == before


def test_resume_alone_continues_from_the_saved_config(run, capsys):
    assert main(["train", "--resume", "--run-dir", str(run), "train.steps=4", "--no-progress"]) == 0
    assert _step(run) == 4
    saved = _saved(run)
    assert saved["train"]["steps"] == 4 and saved["model"]["g"]["width"] == 4  # not the preset's 32


def test_override_after_options_is_an_override(run, capsys):
    assert main(["train", "--run-dir", str(run), "--resume", "--no-progress", "train.steps=3",
                 "train.log_every=2"]) == 0
    assert _step(run) == 3 and _saved(run)["train"]["log_every"] == 2


def test_config_given_on_resume_keeps_the_runs_cadence_and_says_so(run, capsys):
    tiny = [o for o in TINY_RUN_OVERRIDES if not o.startswith("train.steps=")]
    argv = ["train", "dcgan-digits", *tiny, "--resume", "--run-dir", str(run), "--no-progress"]
    assert main(argv) == 0  # the preset's train.steps (1500) is not taken silently
    err = capsys.readouterr().err
    assert "keeping the run's train.steps=2" in err and "finished" in err
    assert _step(run) == 2


def test_edited_config_yaml_that_no_longer_matches_is_named(run, capsys):
    saved = _saved(run)
    saved["model"]["z_dim"] = 16
    (run / "config.yaml").write_text(yaml.safe_dump(saved))
    assert main(["train", "--resume", "--run-dir", str(run), "train.steps=4"]) == 2
    lines = error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "model.z_dim (checkpoint 8, config.yaml 16)" in lines[0]


def test_resume_auto_starts_fresh_then_resumes(tmp_path, capsys):
    run_dir = tmp_path / "auto"
    run_dir.mkdir()
    argv = ["train", "dcgan-digits", *TINY_RUN_OVERRIDES, "train.resume=auto", "train.steps=2", "--run-dir",
            str(run_dir), "--no-progress"]
    assert main(argv) == 0
    assert "no run in" in capsys.readouterr().err and _step(run_dir) == 2
    assert main([*argv[:-3], "train.steps=3", *argv[-3:]]) == 0
    assert _step(run_dir) == 3


def test_python_api_resume_with_only_a_run_dir(run, capsys):
    import ganforge

    assert ganforge.train(run_dir=run, resume=True, overrides={"train.steps": 3}) == run
    assert _step(run) == 3
    with pytest.raises(ganforge.errors.UserError, match="model.z_dim: cannot change"):
        ganforge.train(run_dir=run, resume=True, overrides={"model.z_dim": 9})
