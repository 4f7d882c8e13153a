"""SIGINT/SIGTERM (preemption) ask the loop to checkpoint and stop after the current step.

The command line installs one `StopRequest` before it even parses its arguments; a command
that stops cleanly (`train`) keeps it for its whole run (start-up, the steps, the final save)
and the loop's own `StopRequest` joins it. So a signal during start-up, or more while the
checkpoint is written or the process exits, is remembered rather than fatal: the loop saves
and exits 0. Other commands `release()` it at once and die of a signal as usual.

Long work inside a step (an in-training FID evaluation) calls `stop_if_requested()`, which
abandons it with `StopRequested` so the loop saves within seconds, not after the evaluation.
"""

from __future__ import annotations

import os
import signal
import threading


class StopRequested(Exception):
    """Raised by `stop_if_requested` inside abandonable work once a stop was requested."""


def stop_if_requested() -> None:
    """In long work the loop may abandon (evaluations): raise `StopRequested` after a signal."""
    active = StopRequest._active
    if active is not None and active.requested is not None and active.abandon_work:
        raise StopRequested(active.requested)


class StopRequest:
    """Context manager: while active, SIGINT/SIGTERM set `requested` instead of killing."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)
    _active: StopRequest | None = None  # the outermost one; inner ones share its state

    def __init__(self, keep_after_stop: bool = False):
        self.requested: str | None = None
        self._previous = {}
        self._outer: StopRequest | None = None
        self.keep_after_stop = keep_after_stop  # a stopping process keeps acknowledging signals until it exits
        self.abandon_work = False  # set by a loop that can save at once: evaluations then stop early

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

    def release(self) -> None:
        """Give the signals back (a command that does not stop cleanly); one already received
        is delivered again, with the effect it would have had."""
        requested, self.keep_after_stop = self.requested, False
        self.__exit__()
        if requested is not None:
            signal.raise_signal(signal.Signals[requested])

    def __exit__(self, *exc) -> None:
        if self._outer is not None:
            return
        stopping = self.requested is not None and self.keep_after_stop
        for sig, handler in self._previous.items():
            # Stopping: ignored from here, since the interpreter's shutdown puts back the default
            # (deadly) handler in place of ours, but leaves an ignored signal ignored.
            signal.signal(sig, signal.SIG_IGN if stopping else handler)
        self._previous = {}
        if StopRequest._active is self:
            StopRequest._active = None
