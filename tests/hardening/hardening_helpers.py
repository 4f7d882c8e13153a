"""Shared by the hardening tests: a tiny trained run, a snapshot of every file under a folder, and
waiting for a started process to print a marker."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "training"))
from helpers import as_cli, tiny_overrides  # noqa: E402

from ganforge.cli import main  # noqa: E402

TINY_RUN_OVERRIDES = as_cli(tiny_overrides(**{"train.steps": 3}))


def train_tiny_run(run_dir: Path) -> Path:
    argv = ["train", "dcgan-digits", *TINY_RUN_OVERRIDES, "--run-dir", str(run_dir), "--no-progress"]
    assert main(argv) == 0
    return run_dir


def snapshot(root: Path) -> dict[str, tuple]:
    """path -> (kind, size, sha256) for everything under root (folders and FIFOs included)."""
    found: dict[str, tuple] = {}
    for directory, subdirs, files in os.walk(root):
        for name in subdirs:
            found[os.path.relpath(os.path.join(directory, name), root)] = ("dir",)
        for name in files:
            path = Path(directory, name)
            relative = os.path.relpath(path, root)
            if not path.is_file():
                found[relative] = ("special",)
                continue
            data = path.read_bytes()
            found[relative] = ("file", len(data), hashlib.sha256(data).hexdigest())
    return found


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("ganforge: error:")]


def wait_for_line(process: subprocess.Popen, marker: str, timeout: float = 120.0) -> None:
    """Read the process's stdout until a line holds marker; fail with its stderr if it never does."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = process.stdout.readline()
        if marker in line:
            return
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"never printed {marker}: {process.stderr.read()}")
