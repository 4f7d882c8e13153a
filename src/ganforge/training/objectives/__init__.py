"""Objectives: what one task's D step and G step compute. The loop owns everything generic."""

from ganforge.training.objectives.unconditional import UnconditionalObjective

OBJECTIVES = {"unconditional": UnconditionalObjective}

__all__ = ["OBJECTIVES", "UnconditionalObjective"]
