"""User errors of `--nproc` processes, said once: each process hands its one line to the
launcher (a file per process in the folder named by `ERRORS_ENV`), which prints each distinct
line once when the processes have failed, instead of one copy per process."""

from __future__ import annotations

import os
from pathlib import Path

ERRORS_ENV = "GANFORGE_LAUNCH_ERRORS"


def hand_to_launcher(message: str) -> bool:
    """Leave `message` for the launcher when this process is one it started; False otherwise."""
    folder = os.environ.get(ERRORS_ENV)
    if not folder or not Path(folder).is_dir():
        return False
    from ganforge.atomic import atomic_write_bytes

    atomic_write_bytes(Path(folder) / f"rank-{os.environ.get('RANK', '0')}.txt", message.encode("utf-8"))
    return True


def handed_errors(folder: str | os.PathLike) -> list[str]:
    """The distinct messages the processes left, in rank order."""
    messages: list[str] = []
    for path in sorted(Path(folder).glob("rank-*.txt"), key=lambda p: int(p.stem.split("-")[1])):
        text = path.read_text(encoding="utf-8", errors="replace")
        if text not in messages:
            messages.append(text)
    return messages
