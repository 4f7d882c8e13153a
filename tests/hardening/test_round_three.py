"""Round three of the bad-input battery, beyond the table: what goes on with a warning, signals
at awkward moments, a real full disk, several processes, and what a stopped run prints."""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hardening_helpers import TINY_RUN_OVERRIDES, error_lines, train_tiny_run, wait_for_line
from PIL import Image

from ganforge.cli import main

SRC = str(Path(__file__).parents[2] / "src")
TRANSLATION_TINY = ["translator.g_width=4", "translator.d_width=4", "translator.d_layers=2", "train.batch_size=4",
                    "train.sample_every=1000", "train.sample_grid=6", "data.max_images=24", "train.steps=2"]


def _images(folder: Path, count: int = 4, size: int = 16) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(folder / f"{index}.png")
    return folder


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    return train_tiny_run(tmp_path_factory.mktemp("tiny") / "run")


# --- goes on with a warning ----------------------------------------------------------------


def test_translate_folder_skips_a_corrupt_image_and_translates_the_rest(tmp_path, capsys):
    run = tmp_path / "p2p"
    assert main(["train", "pix2pix-shapes", *TRANSLATION_TINY, "--run-dir", str(run), "--no-progress"]) == 0
    inputs = _images(tmp_path / "in", 3)
    (inputs / "1.png").write_bytes(b"not an image at all")
    code = main(["translate", str(run), "--input", str(inputs), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"skipping {inputs / '1.png'}" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0.png", "2.png"]


def test_report_names_a_corrupt_grid_and_writes_the_rest(tiny_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    (run / "samples" / "step-00000002.png").write_bytes(b"garbage")
    assert main(["report", str(run), "--out", str(tmp_path / "r.html")]) == 0
    err = capsys.readouterr().err
    assert f"skipping {run / 'samples' / 'step-00000002.png'}: not a readable image" in err
    assert "not a readable image" in (tmp_path / "r.html").read_text()


def test_prompt_grid_is_written_in_the_format_of_its_suffix(tmp_path):
    from ganforge.text.grid import save_prompt_grid

    images = torch.zeros((4, 3, 8, 8), dtype=torch.uint8)
    save_prompt_grid(images, ["a", "b"], 2, tmp_path / "g.jpg")
    save_prompt_grid(images, ["a", "b"], 2, tmp_path / "g.png")
    assert Image.open(tmp_path / "g.jpg").format == "JPEG"
    assert Image.open(tmp_path / "g.png").format == "PNG"


def test_blank_captions_are_named_in_one_warning_and_not_trained_on(tmp_path):
    from ganforge.data import open_source
    from ganforge.data.captions import read_captions

    folder = _images(tmp_path / "d", 3)
    (folder / "captions.jsonl").write_text('{"file": "0.png", "text": "  "}\n{"file": "1.png", "text": "a cat"}\n'
                                           '{"file": "2.png", "text": ""}\n')
    with pytest.warns(UserWarning, match=r"captions.jsonl: line 1: blank caption ignored \(2 in this file\)"):
        assert read_captions(open_source(str(folder))) == [[], ["a cat"], []]


# --- faults --------------------------------------------------------------------------------


def test_disk_full_in_the_checkpoint_write_itself_is_one_line_and_keeps_the_last(tmp_path, monkeypatch, capsys):
    """The file write fails (not torch.save): torch's own writer would report it as a RuntimeError."""
    import ganforge.atomic as atomic

    run = tmp_path / "run"
    argv = ["train", "dcgan-digits", *TINY_RUN_OVERRIDES, "train.steps=2", "--run-dir", str(run), "--no-progress"]
    assert main(argv) == 0
    latest = run / "checkpoints/latest.ckpt"
    before = latest.read_bytes()
    real_fdopen = os.fdopen

    class FullDisk(io.RawIOBase):
        def __init__(self, handle):
            self.inner = real_fdopen(handle, "wb")

        def write(self, data):
            self.inner.write(bytes(data)[:10])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def close(self):
            self.inner.close()

    monkeypatch.setattr(atomic.os, "fdopen", lambda handle, mode: FullDisk(handle))
    code = main(["train", "--resume", "--run-dir", str(run), "train.steps=4", "ckpt.every=1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and len(error_lines(err)) == 1 and "Traceback" not in err, err
    assert "no space left" in error_lines(err)[0]
    assert latest.read_bytes() == before
    assert torch.load(latest, weights_only=True)["step"] == 2
    assert not [p for p in (run / "checkpoints").iterdir() if p.name.endswith(".tmp")]


# --- signals -------------------------------------------------------------------------------

WRAPPER = """
import sys, time
import ganforge.cli as cli
import ganforge.metrics.extract as extract
build = cli.build_parser
def slow_parse():
    print("PARSING", flush=True)
    time.sleep(float(sys.argv[1]))
    return build()
cli.build_parser = slow_parse
extract_features = extract.extract
def marked(*args, **kwargs):
    print("EXTRACTING", flush=True)
    return extract_features(*args, **kwargs)
extract.extract = marked
sys.exit(cli.main(sys.argv[2:]))
"""


def _start(argv: list[str], home: Path, parse_s: float = 0.0) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", "GANFORGE_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-c", WRAPPER, str(parse_s), *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)



def _train(run: Path, *extra: str) -> list[str]:
    return ["train", "dcgan-digits", *TINY_RUN_OVERRIDES, "train.steps=100000", *extra, "--run-dir", str(run),
            "--no-progress"]


def test_sigterm_while_parsing_the_command_line_still_stops_with_a_checkpoint(tmp_path):
    run = tmp_path / "run"
    process = _start(_train(run), tmp_path / "home", parse_s=1.0)
    wait_for_line(process, "PARSING")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert torch.load(run / "checkpoints/latest.ckpt", weights_only=True)["step"] == 1


def test_sigterm_during_an_in_training_fid_evaluation_stops_within_seconds_and_twice_exits_0(tmp_path):
    """eval.n images through the extractor took minutes; the stop comes at the next batch."""
    run = tmp_path / "run"
    process = _start(_train(run, "eval.every=1", "eval.n=100000", "eval.features=digits", "eval.metrics=[fid]"),
                     tmp_path / "home")
    wait_for_line(process, "EXTRACTING")
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    sent = time.perf_counter()
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert time.perf_counter() - sent < 30, "the evaluation was not abandoned"
    assert "Traceback" not in err  # the second signal came while saving, or after: either way exit 0
    assert torch.load(run / "checkpoints/latest.ckpt", weights_only=True)["step"] == 1


def test_a_command_that_does_not_stop_cleanly_dies_of_a_signal_received_while_parsing(tmp_path):
    process = _start(["sample", str(tmp_path / "none"), "--out", str(tmp_path / "g.png")], tmp_path / "home", parse_s=1.0)
    wait_for_line(process, "PARSING")
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM


# --- several processes ---------------------------------------------------------------------


def test_processes_of_nproc_hand_their_error_to_the_launcher_which_says_each_once(tmp_path, monkeypatch, capsys):
    from ganforge.distributed.errors import ERRORS_ENV, handed_errors

    monkeypatch.setenv(ERRORS_ENV, str(tmp_path))
    for rank in ("1", "0"):
        monkeypatch.setenv("RANK", rank)
        assert main(["sample", str(tmp_path / "none"), "--out", str(tmp_path / "g.png")]) == 2
    assert error_lines(capsys.readouterr().err) == []  # nothing printed by the processes
    assert handed_errors(tmp_path) == [f"{tmp_path / 'none'}: no such run directory or checkpoint"]


# --- what is said --------------------------------------------------------------------------


def test_a_stopped_run_names_only_the_files_it_left(tmp_path):
    from ganforge.commands.train import next_steps

    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints/latest.ckpt").write_bytes(b"x")
    text = next_steps(tmp_path)
    assert "latest.ckpt" in text and "final.png" not in text
    (tmp_path / "samples").mkdir()
    (tmp_path / "samples/final.png").write_bytes(b"x")
    assert "final.png" in next_steps(tmp_path)


def test_the_rank_warning_is_one_line_for_both_sides_and_says_what_to_do():
    from ganforge.metrics.fid import rank_warning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rank_warning(100, 2048, what="fake features")
        rank_warning(100, 2048, what="real features")
    texts = {str(w.message) for w in caught}
    assert len(texts) == 1 and "use more than 2048 images" in texts.pop()


def test_a_command_prints_a_repeated_warning_once(capsys):
    """The real-against-real floor and the generator's evaluation warn in the same words: one line."""
    from ganforge import cli

    cli._SAID.clear()
    for _ in range(2):
        cli._warning_one_line("179 images give 2048-dimensional features ...", UserWarning, "x.py", 1)
    cli._warning_one_line("another warning", UserWarning, "x.py", 2)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["ganforge: warning: 179 images give 2048-dimensional features ...", "ganforge: warning: another warning"]


def test_dry_run_of_a_text_preset_fails_when_the_encoder_weights_cannot_be_had(tmp_path, monkeypatch, capsys):
    from ganforge.text.prompts import _frozen_encoder

    _frozen_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "all_minilm_l6_v2", None)  # the weights package absent
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path / "home"))
    import ganforge.text.weights as text_weights
    from ganforge.errors import UserError

    def offline(*args, **kwargs):
        raise UserError("cannot download (offline)")

    monkeypatch.setattr(text_weights, "download_files", offline)
    monkeypatch.setattr("ganforge.text.minilm.download_files", offline)
    code = main(["train", "dfgan-shapes", "--dry-run"])
    err = capsys.readouterr().err
    _frozen_encoder.cache_clear()
    assert code == 2 and len(error_lines(err)) == 1, err
    assert "minilm" in error_lines(err)[0]


def test_eval_translation_metrics_follow_the_task():
    from ganforge.training.objectives import OBJECTIVES

    assert OBJECTIVES["pix2pix"].held_out_metrics() == ("psnr", "ssim", "l1", "fid", "kid")
    assert "psnr" not in OBJECTIVES["cyclegan"].held_out_metrics()
    assert "cycle_psnr" in OBJECTIVES["cyclegan"].held_out_metrics()
    assert "cycle_psnr" not in OBJECTIVES["cut"].held_out_metrics()


def test_dry_run_refuses_clip_weights_that_are_not_a_clip_checkpoint(tmp_path, capsys):
    pytest.importorskip("open_clip")
    weights = tmp_path / "clip.pt"
    weights.write_bytes(b"not a checkpoint")
    code = main(["train", "dfgan-shapes", "text.encoder=clip", f"text.weights={weights}", "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2 and len(error_lines(err)) == 1 and "Traceback" not in err, err
    assert f"text.weights {weights}: not an open_clip checkpoint" in error_lines(err)[0]
