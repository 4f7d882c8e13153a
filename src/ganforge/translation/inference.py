"""Translate images with a trained translation run (`ganforge translate`).

    translator = load_translator("runs/pix2pix-shapes")          # or direction="BtoA" (cyclegan)
    out = translator(images_uint8)                                # [N,C,H,W] uint8, any H and W
    translate("runs/colorize-shapes", "gray.png", "out.png", hints="hints.png")

Which directions a run translates, with which network, is its objective's answer
(`Objective.translators`); colour or grayscale inputs are converted to what the run expects.
"""

from __future__ import annotations

from pathlib import Path

from ganforge.errors import UserError
from ganforge.translation.translator import Translator

DIRECTIONS = ("AtoB", "BtoA")

__all__ = ["DIRECTIONS", "Translator", "load_translator"]


def load_translator(run: str | Path, direction: str | None = None, ema: bool = True, device: str = "cpu") -> Translator:
    """One direction (default: the run's first) of a translation run, in eval mode."""
    from ganforge.metrics.protocol import resolve_device
    from ganforge.runs import load_run

    device = resolve_device(device)
    loaded = load_run(run, ema=ema, needs="translation")
    translators = loaded.translators()
    if direction is not None and direction not in DIRECTIONS:
        raise UserError(f"--direction {direction}: expected {' or '.join(DIRECTIONS)}")
    chosen = direction or next(iter(translators))
    if chosen not in translators:
        raise UserError(f"--direction {chosen}: this {loaded.config.task} run translates {', '.join(translators)} only "
                        f"(its translation.direction)")
    translator = translators[chosen]
    translator.network.to(device).eval()
    return translator
