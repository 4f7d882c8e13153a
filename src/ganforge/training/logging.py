"""Run logs: TensorBoard scalars and image grids, a JSON-lines log, PNG sample grids."""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image


def image_grid(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 [N,C,H,W] -> uint8 [C,H',W'] grid, about square."""
    rows = max(1, int(math.sqrt(len(images_uint8))))
    return make_grid(images_uint8, nrow=rows, padding=2, pad_value=0)


def save_grid(images_uint8: torch.Tensor, path: Path, nrow: int | None = None) -> Path:
    """Write a PNG grid of uint8 images atomically (temp name, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nrow = nrow or max(1, int(math.sqrt(len(images_uint8))))
    tmp = path.with_name(f".{path.stem}.tmp.png")
    save_image(images_uint8.float() / 255, tmp, nrow=nrow, padding=2)
    tmp.replace(path)
    return path


class RunLogger:
    """Writes scalars to TensorBoard (`RUN/tb`) and `RUN/log.jsonl`; grids to TensorBoard and `RUN/samples`."""

    def __init__(self, run_dir: Path, resumed_step: int | None = None):
        from torch.utils.tensorboard import SummaryWriter

        self.run_dir = Path(run_dir)
        # On resume, TensorBoard drops events logged after the checkpoint (they are redone).
        self.writer = SummaryWriter(str(self.run_dir / "tb"), purge_step=resumed_step)
        self.jsonl = (self.run_dir / "log.jsonl").open("a")

    def scalars(self, step: int, values: dict[str, float]) -> None:
        for name, value in values.items():
            self.writer.add_scalar(name, value, step)
        self.jsonl.write(json.dumps({"step": step, **values}) + "\n")
        self.jsonl.flush()

    def samples(self, step: int, images_uint8: torch.Tensor, name: str | None = None, nrow: int | None = None,
                row_labels: list[str] | None = None) -> Path:
        nrow = nrow or max(1, int(math.sqrt(len(images_uint8))))
        path = self.run_dir / "samples" / (name or f"step-{step:08d}.png")
        if row_labels:  # text-to-image: each row's prompt written beside it
            from torchvision.transforms.functional import pil_to_tensor

            from ganforge.text.grid import prompt_grid, save_prompt_grid

            grid = prompt_grid(images_uint8, row_labels, nrow)
            self.writer.add_image("samples", pil_to_tensor(grid), step)
            self.writer.add_text("sample_prompts", "  \n".join(f"row {k}: {p}" for k, p in enumerate(row_labels)), step)
            return save_prompt_grid(images_uint8, row_labels, nrow, path)
        self.writer.add_image("samples", make_grid(images_uint8, nrow=nrow, padding=2, pad_value=0), step)
        return save_grid(images_uint8, path, nrow=nrow)

    def close(self) -> None:
        self.writer.close()
        self.jsonl.close()
