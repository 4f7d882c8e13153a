"""Starting several ganforge processes the way torchrun does (RANK, WORLD_SIZE, MASTER_*)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

for folder in ("training", "translation"):
    TESTS = str(Path(__file__).parents[1] / folder)
    if TESTS not in sys.path:
        sys.path.insert(0, TESTS)

from helpers import as_cli, tiny_overrides  # noqa: E402,F401  (re-exported for the tests)
from translation_helpers import tiny  # noqa: E402,F401


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rank_env(rank: int, world_size: int, port: int) -> dict[str, str]:
    """torchrun's contract with each process it starts."""
    return {
        "RANK": str(rank),
        "LOCAL_RANK": str(rank),
        "WORLD_SIZE": str(world_size),
        "LOCAL_WORLD_SIZE": str(world_size),
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
    }


def _base_env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}


def start_ranks(args: list[str], world_size: int = 2, **popen) -> list[subprocess.Popen]:
    """`python -m ganforge ARGS` in `world_size` processes joined into one group."""
    port = free_port()
    return [
        subprocess.Popen(
            [sys.executable, "-m", "ganforge", *args],
            env={**_base_env(), **rank_env(rank, world_size, port)},
            **popen,
        )
        for rank in range(world_size)
    ]


def wait_for_lines(path: Path, count: int, processes: list[subprocess.Popen], timeout: float = 180.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and sum(1 for _ in path.open()) >= count:
            return
        if any(process.poll() is not None for process in processes):
            raise AssertionError(f"a process ended early: {[p.returncode for p in processes]}")
        time.sleep(0.05)
    raise AssertionError(f"{path} did not reach {count} lines in time")


def finish(processes: list[subprocess.Popen], timeout: float = 180.0) -> list[tuple[int, str]]:
    """(exit code, stderr) of each process once it ends."""
    results = []
    for process in processes:
        _, err = process.communicate(timeout=timeout)
        results.append((process.returncode, err or ""))
    return results
