"""`--nproc N`: start this same command in N processes on this machine through torchrun.

It runs torchrun's launcher as `torchrun --standalone --nproc-per-node N -m ganforge ...` would
(a free local port, N processes of `python -m ganforge ...`; see `torchrun.py` for why not
through torchrun's command line) and waits for it. Several machines are started with torchrun
itself (see README, "More than one GPU or machine").
"""

from __future__ import annotations

import argparse
import shlex
import signal
import subprocess
import sys

from ganforge.distributed.context import launched_world_size
from ganforge.errors import UserError

LAUNCHER = [sys.executable, "-m", "ganforge.distributed.torchrun"]


def add_nproc_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nproc",
        type=int,
        metavar="N",
        help="run in N processes on this machine via torchrun (one per GPU; gloo on CPU)",
    )


def wants_launch(nproc: int | None) -> bool:
    """True when this process should start torchrun (not already one of its processes)."""
    if nproc is None:
        return False
    if nproc < 1:
        raise UserError(f"--nproc {nproc}: expected a positive number of processes")
    return nproc > 1 and launched_world_size() == 1


def without_nproc(argv: list[str]) -> list[str]:
    """The command line minus `--nproc N` / `--nproc=N`."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            kept.append(arg)
    return kept


def launcher_command(nproc: int, argv: list[str]) -> list[str]:
    return [*LAUNCHER, str(nproc), *without_nproc(argv)]


def launch(nproc: int, argv: list[str]) -> int:
    """Run the command in `nproc` local processes; returns the launcher's exit code."""
    args = without_nproc(argv)
    shown = ["torchrun", "--standalone", f"--nproc-per-node={nproc}", "-m", "ganforge", *args]
    print(f"ganforge: starting {nproc} processes: {shlex.join(shown)}", file=sys.stderr)
    import os
    import tempfile

    from ganforge.distributed.errors import ERRORS_ENV

    errors = tempfile.TemporaryDirectory(prefix="ganforge-errors-")
    process = subprocess.Popen(launcher_command(nproc, argv), env={**os.environ, ERRORS_ENV: errors.name})
    # torchrun stops its processes cleanly on SIGTERM; pass ours on instead of dying first.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: process.send_signal(signum))
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:  # the terminal sent SIGINT to torchrun as well
                continue
    finally:
        signal.signal(signal.SIGTERM, previous)
        errors.cleanup()
