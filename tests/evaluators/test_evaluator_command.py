"""`ganforge evaluator train` through the CLI entry point."""

from __future__ import annotations

import json

from ganforge.cli import main


def test_bad_data_exits_2_with_one_line(tmp_path, capsys):
    code = main(
        ["evaluator", "train", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]
    )
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "missing" in lines[0] and lines[0].startswith("ganforge: error:")
    assert "Traceback" not in captured.err and not (tmp_path / "out").exists()


def test_unknown_builtin_exits_2(tmp_path, capsys):
    code = main(["evaluator", "train", "--data", "builtin:nope", "--out", str(tmp_path / "out")])
    assert code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1


def test_cli_trains_and_prints_json(tmp_path, capsys):
    out = tmp_path / "cli-digits"
    code = main([
        "evaluator", "train", "--data", "builtin:digits", "--out", str(out),
        "--epochs", "1", "--max-images", "40", "--seed", "1", "--json",
    ])  # fmt: skip
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((out / "evaluator.json").read_text())
    assert printed["data"]["n"] == 40 and printed["training"]["seed"] == 1
    assert printed["training"]["noise_std"] == 0.1  # the default pixel-noise augmentation


def test_noise_flag_is_recorded_and_checked(tmp_path, capsys):
    out = tmp_path / "quiet"
    args = ["evaluator", "train", "--data", "builtin:digits", "--epochs", "1", "--max-images", "40", "--json"]
    assert main([*args, "--out", str(out), "--noise", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["training"]["noise_std"] == 0.0
    assert main([*args, "--out", str(tmp_path / "bad"), "--noise", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--noise -1" in err[0] and not (tmp_path / "bad").exists()
