"""SIGINT/SIGTERM (preemption) ask the loop to checkpoint and stop after the current step."""

from __future__ import annotations

import signal
import threading


class StopRequest:
    """Context manager: while active, SIGINT/SIGTERM set `requested` instead of killing."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.requested: str | None = None
        self._previous = {}

    def _handle(self, signum, frame):
        self.requested = signal.Signals(signum).name

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
