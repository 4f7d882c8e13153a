"""Objectives: what one task's phases compute. The loop owns everything generic."""

from ganforge.training.objectives import colorize, conditional, cut, cyclegan, nicegan, pix2pix, text_dfgan, text_gancls, unconditional  # noqa: E402,F401,I001  (registration)
from ganforge.training.objectives.base import (
    OBJECTIVES,
    DataInfo,
    NetworkDecl,
    Objective,
    Phase,
    register_objective,
)

__all__ = ["OBJECTIVES", "DataInfo", "NetworkDecl", "Objective", "Phase", "register_objective"]
