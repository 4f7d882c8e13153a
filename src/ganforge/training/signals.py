"""SIGINT/SIGTERM (preemption) ask the loop to checkpoint and stop after the current step.

A command installs one `StopRequest` around its whole run (start-up, the steps, the final
save); the loop's own `StopRequest` joins it. So a signal during start-up, or a second one
while the checkpoint is written, is remembered rather than fatal: the loop saves and exits 0.
"""

from __future__ import annotations

import os
import signal
import threading


class StopRequest:
    """Context manager: while active, SIGINT/SIGTERM set `requested` instead of killing."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)
    _active: StopRequest | None = None  # the outermost one; inner ones share its state

    def __init__(self):
        self.requested: str | None = None
        self._previous = {}
        self._outer: StopRequest | None = None

    def _handle(self, signum, frame):
        name = signal.Signals(signum).name
        again = self.requested is not None
        self.requested = self.requested or name
        # os.write, not print: a handler may run while the main thread is inside a print.
        text = (
            f"ganforge: {name} received again: still finishing; the checkpoint is written whole"
            " (SIGKILL stops at once, the last complete checkpoint stays)\n"
            if again
            else f"ganforge: {name} received: stopping after the current step with a checkpoint\n"
        )
        os.write(2, text.encode())

    def __enter__(self) -> StopRequest:
        outer = StopRequest._active
        if outer is not None:
            self._outer = outer
            return outer
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
            StopRequest._active = self
        return self

    def __exit__(self, *exc) -> None:
        if self._outer is not None:
            return
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}
        if StopRequest._active is self:
            StopRequest._active = None
