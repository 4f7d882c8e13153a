"""Divergence guard: non-finite losses skip the step; too many in a row restore or stop."""

from __future__ import annotations

import sys
from pathlib import Path

from ganforge.config import DivergenceConfig
from ganforge.errors import TrainingFailed
from ganforge.training.checkpoint import load_checkpoint


class TrainingDiverged(TrainingFailed):
    pass


class DivergenceGuard:
    def __init__(self, config: DivergenceConfig):
        self.config = config
        self.bad_in_row = 0
        self.restores = 0
        self.lr_factor = 1.0

    def on_good_step(self) -> None:
        self.bad_in_row = 0

    def state_dict(self) -> dict:
        """Saved in checkpoints, so a resumed run keeps its lowered lr and restore count."""
        return {"restores": self.restores, "lr_factor": self.lr_factor}

    def load_state_dict(self, state: dict) -> None:
        self.restores, self.lr_factor = int(state["restores"]), float(state["lr_factor"])

    def on_bad_step(self, state, latest: Path) -> None:
        """Count a non-finite step; after `max_bad_steps` in a row restore `latest` with a lower lr, or stop."""
        self.bad_in_row += 1
        print(f"ganforge: warning: non-finite loss at step {state.step + 1}; step skipped", file=sys.stderr)
        if self.bad_in_row < self.config.max_bad_steps:
            return
        where = f"{self.bad_in_row} non-finite steps in a row at step {state.step + 1}"
        if self.config.action == "stop" or self.restores >= self.config.max_restores:
            raise TrainingDiverged(f"training diverged: {where}; lower train.lr_g/train.lr_d or change loss.name")
        if not latest.exists():
            raise TrainingDiverged(f"training diverged: {where} and no checkpoint to restore yet")
        restores, lr_factor = self.restores + 1, self.lr_factor * self.config.lr_factor
        state.load_state_dict(load_checkpoint(latest))  # also restores the guard's saved state
        self.restores, self.lr_factor, self.bad_in_row = restores, lr_factor, 0
        print(f"ganforge: warning: {where}; restored step {state.step} with lr x{self.lr_factor:g}", file=sys.stderr)
