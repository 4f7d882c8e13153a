"""Faults: disk full, signals (repeated, during start-up), pipes and odd files in the data."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hardening_helpers import TINY_RUN_OVERRIDES, error_lines, snapshot, wait_for_line
from PIL import Image

from ganforge.cli import main

SRC = str(Path(__file__).parents[2] / "src")


def _images(folder: Path, count: int = 8, size: int = 16) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(folder / f"{index}.png")
    return folder


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _train_argv(run: Path, steps: int = 4, *extra: str) -> list[str]:
    return ["train", "dcgan-digits", *TINY_RUN_OVERRIDES, f"train.steps={steps}", "ckpt.every=2",
            *extra, "--run-dir", str(run), "--no-progress"]


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# --- disk full ---------------------------------------------------------------------------


def test_disk_full_while_checkpointing_keeps_the_last_checkpoint(tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    assert main(_train_argv(run, 4)) == 0
    latest = run / "checkpoints/latest.ckpt"
    before = _sha(latest)
    capsys.readouterr()

    def half_then_full(obj, handle, *args, **kwargs):
        handle.write(b"partial bytes")
        _no_space()

    monkeypatch.setattr(torch, "save", half_then_full)
    code = main(["train", "--resume", "--run-dir", str(run), "train.steps=8", "--no-progress"])
    err = capsys.readouterr().err
    lines = error_lines(err)
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert "no space left" in lines[0] and "--resume" in lines[0]
    assert _sha(latest) == before  # the checkpoint of step 4 is intact
    assert [p.name for p in (run / "checkpoints").iterdir() if p.name.endswith(".tmp")] == []
    monkeypatch.undo()
    assert main(["train", "--resume", "--run-dir", str(run), "train.steps=8", "--no-progress"]) == 0
    assert torch.load(latest, weights_only=True)["step"] == 8


def test_disk_full_when_starting_tensorboard(tmp_path, monkeypatch, capsys):
    import torch.utils.tensorboard

    monkeypatch.setattr(torch.utils.tensorboard, "SummaryWriter", _no_space)
    code = main(_train_argv(tmp_path / "run", 2))
    err = capsys.readouterr().err
    lines = error_lines(err)
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert "no space left" in lines[0] and str(tmp_path / "run") in lines[0]


def test_disk_full_writing_eval_json_prints_the_results_first(tmp_path, monkeypatch, capsys):
    import ganforge.metrics.report as report

    folder = _images(tmp_path / "imgs", 10)
    monkeypatch.setattr(report, "atomic_write", _no_space)
    out = tmp_path / "result.json"
    code = main(["eval", "--fake", str(folder), "--real", str(folder), "--features", "digits",
                 "--json", str(out), "--no-cache"])
    captured = capsys.readouterr()
    assert code == 2 and len(error_lines(captured.err)) == 1, captured.err
    assert "fid" in captured.out  # the table came out before the failed write
    assert not out.exists()


# --- signals -----------------------------------------------------------------------------

SLOW_STEP_WRAPPER = """
import sys, time
import torch
import ganforge.training.budget as budget
save = torch.save
def slow_save(*args, **kwargs):
    print("SAVING", flush=True)
    time.sleep(float(sys.argv[2]))
    save(*args, **kwargs)
torch.save = slow_save
check = budget.check_models_fit
def slow_start(config):
    print("STARTING", flush=True)
    time.sleep(float(sys.argv[1]))
    check(config)
budget.check_models_fit = slow_start
from ganforge.cli import main
sys.exit(main(sys.argv[3:]))
"""


def _start(argv: list[str], startup_s: float, save_s: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-c", SLOW_STEP_WRAPPER, str(startup_s), str(save_s), *argv]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)



def test_sigterm_in_startup_then_more_while_checkpointing_still_saves_and_exits_0(tmp_path):
    """One signal while the run starts (data, models), three more and a SIGINT during the save."""
    run = tmp_path / "run"
    process = _start(_train_argv(run, 100000), 1.0, 1.5)
    wait_for_line(process, "STARTING")
    process.send_signal(signal.SIGTERM)
    wait_for_line(process, "SAVING")
    for sig in (signal.SIGTERM, signal.SIGTERM, signal.SIGTERM, signal.SIGINT):
        process.send_signal(sig)
        time.sleep(0.1)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "SIGTERM received" in err and "received again" in err and "--resume" in err, err
    assert "Traceback" not in err
    assert torch.load(run / "checkpoints/latest.ckpt", weights_only=True)["step"] == 1
    assert [p.name for p in (run / "checkpoints").iterdir() if p.name.endswith(".tmp")] == []


# --- data --------------------------------------------------------------------------------


class Hung(Exception):
    pass


def _hung(signum, frame):
    raise Hung


def test_fifo_in_the_data_is_skipped_not_read(tmp_path, capsys):
    """Opening a pipe for reading blocks until a writer comes; an alarm turns a hang into a failure."""
    folder = _images(tmp_path / "data", 8)
    os.mkfifo(folder / "pipe.png")
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(60)
    try:
        code = main(["train", "dcgan-folder-64", f"data.path={folder}", "model.g.width=4", "model.d.width=4",
                     "--dry-run"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"skipping {folder / 'pipe.png'}: a named pipe, not a regular file" in captured.err
    assert "images=8" in captured.out


def test_unreadable_subfolder_warns_and_unreadable_root_is_named(tmp_path, monkeypatch):
    from ganforge.data import open_source

    folder = _images(tmp_path / "data", 4)
    _images(folder / "locked", 2)
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked" or (Path(path) == folder and refuse_root):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    refuse_root = False
    with pytest.warns(UserWarning, match=f"skipping folder {folder / 'locked'}: cannot read it"):
        assert len(open_source(folder)) == 4
    refuse_root = True
    from ganforge.errors import UserError

    with pytest.raises(UserError, match="cannot read the folder .Permission denied"):
        open_source(folder)


def test_image_over_the_pixel_limit_is_named_and_skipped(tmp_path, monkeypatch):
    import ganforge.data.decode as decode
    from ganforge.data import iter_readable, open_source

    folder = _images(tmp_path / "data", 3, size=16)
    Image.new("L", (40, 30)).save(folder / "huge.png")
    monkeypatch.setattr(decode, "MAX_PIXELS", 1000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read = [index for index, _ in iter_readable(open_source(folder))]
    assert len(read) == 3
    messages = [str(w.message) for w in caught]
    assert any(str(folder / "huge.png") in m and "40x30 = 1,200 pixels" in m for m in messages), messages


def test_corrupt_zip_member_is_named(tmp_path):
    from ganforge.data import open_source, read_or_warn

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("good.png", buffer.getvalue())
        handle.writestr("bad.png", b"not an image at all")
    source = open_source(archive)
    with pytest.warns(UserWarning) as caught:
        assert read_or_warn(source, source.members.index(next(m for m in source.members if m.filename == "bad.png"))) is None
    message = str(caught[0].message)
    assert f"{archive}:bad.png" in message and "BytesIO" not in message


def test_stale_checkpoint_temp_files_are_removed_at_start(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(_train_argv(run, 2)) == 0
    stale = run / "checkpoints" / ".latest.ckpt.k1ll3d.tmp"
    stale.write_bytes(b"half a checkpoint")
    assert main(["train", "--resume", "--run-dir", str(run), "train.steps=4", "--no-progress"]) == 0
    assert not stale.exists()


def test_nothing_in_the_run_changes_when_a_resume_is_refused(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(_train_argv(run, 2)) == 0
    before = snapshot(run)
    assert main(["train", "sngan-shapes", "--resume", "--run-dir", str(run)]) == 2
    assert snapshot(run) == before
