"""train.max_minutes: a run stops on time with the checkpoint and samples of a finished run."""

import torch
from helpers import as_cli, tiny_overrides

from ganforge.cli import main


def test_a_run_out_of_time_stops_with_a_checkpoint_and_final_samples_and_resumes(tmp_path, capsys):
    overrides = tiny_overrides(**{"train.steps": 500, "train.max_minutes": 1e-6})  # gone after the first step
    assert main(["train", "dcgan-digits", *as_cli(overrides), "--run-dir", str(tmp_path / "r"), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "train.max_minutes 1e-06 reached at step 1 of 500; continue with --resume" in err
    assert torch.load(tmp_path / "r/checkpoints/latest.ckpt", weights_only=True)["step"] == 1
    assert (tmp_path / "r/samples/final.png").is_file()
    assert main(["train", "--resume", "--run-dir", str(tmp_path / "r"), "train.max_minutes=100", "train.steps=3",
                 "--no-progress"]) == 0
    assert torch.load(tmp_path / "r/checkpoints/latest.ckpt", weights_only=True)["step"] == 3


def test_a_non_positive_budget_is_a_one_line_error(tmp_path, capsys):
    assert main(["train", "dcgan-digits", "train.max_minutes=0", "--run-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("ganforge: error:") == 1 and "train.max_minutes" in err and not (tmp_path / "r").exists()
