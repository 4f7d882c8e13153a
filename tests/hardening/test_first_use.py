"""What a new user meets first: formats by suffix, KID on small folders, help, where results are."""

from __future__ import annotations

import argparse
import errno
import inspect
import sys

import numpy as np
import pytest
from hardening_helpers import error_lines, train_tiny_run
from PIL import Image

from ganforge.cli import build_parser, main


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    return train_tiny_run(tmp_path_factory.mktemp("first-use") / "run")


def test_sample_writes_the_format_the_suffix_names(tiny_run, tmp_path, capsys):
    assert main(["sample", str(tiny_run), "--n", "4", "--out", str(tmp_path / "grid.jpg")]) == 0
    assert Image.open(tmp_path / "grid.jpg").format == "JPEG"
    assert main(["sample", str(tiny_run), "--n", "70", "--out", str(tmp_path / "fakes")]) == 0
    assert len(list((tmp_path / "fakes").iterdir())) == 70  # streamed in batches of 64


def test_train_says_where_results_are_and_what_next(tmp_path, capsys):
    train_tiny_run(tmp_path / "run")
    out = capsys.readouterr().out
    assert f"run directory: {tmp_path / 'run'}" in out
    assert f"ganforge sample {tmp_path / 'run'}" in out and "--resume" in out
    tensorboard = next(line for line in out.splitlines() if "TensorBoard:" in line).split()[1]
    assert tensorboard.startswith(sys.executable.rsplit("/", 1)[0]) or tensorboard == sys.executable


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(capsys):
    from ganforge.training.logging import PlainProgress, progress_bar

    bar = progress_bar(10, 0)
    assert isinstance(bar, PlainProgress)  # pytest's captured stderr is not a terminal
    bar.interval = 0.0
    bar.set_postfix({"d": "0.693"})  # as the loop calls tqdm's
    bar.update(5)
    bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("step 5/10 (50%)") and lines[0].endswith("d=0.693")
    assert "\r" not in "".join(lines)


def test_python_train_shows_progress_by_default():
    import ganforge

    assert inspect.signature(ganforge.train).parameters["progress"].default is True


def _small_folders(tmp_path, count=12):
    rng = np.random.default_rng(0)
    folders = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        for index in range(count):
            Image.fromarray(rng.integers(0, 255, (16, 16), dtype=np.uint8)).save(folder / f"{index}.png")
        folders.append(str(folder))
    return folders


def test_kid_on_a_small_folder_shrinks_with_a_note_unless_strict(tmp_path, capsys):
    fake, real = _small_folders(tmp_path)
    common = ["eval", "--fake", fake, "--real", real, "--metrics", "kid", "--features", "digits", "--no-cache"]
    assert main(common) == 0
    captured = capsys.readouterr()
    assert "KID subset size 1000 shrunk to 12" in captured.err and "kid_mean" in captured.out
    assert main([*common, "--kid-strict"]) == 2
    assert len(error_lines(capsys.readouterr().err)) == 1


def test_top_level_help_has_examples_and_every_option_has_help(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    assert "examples:" in capsys.readouterr().out
    missing = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, f"{path} {name}")
            elif action.help is None:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "ganforge")
    assert missing == []


def test_a_bug_still_shows_its_traceback(monkeypatch, tmp_path):
    """Only user errors and the machine's faults become one line; anything else is a bug."""
    import ganforge.commands.export as export

    def broken(args):
        raise ValueError("a bug")

    monkeypatch.setattr(export, "run", broken)
    with pytest.raises(ValueError, match="a bug"):
        main(["export", str(tmp_path), "--out", str(tmp_path / "G.safetensors")])

    def missing_file(args):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/made/up")

    monkeypatch.setattr(export, "run", missing_file)
    with pytest.raises(FileNotFoundError):  # an unchecked path is a bug to fix, not to hide
        main(["export", str(tmp_path), "--out", str(tmp_path / "G.safetensors")])
