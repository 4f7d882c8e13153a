"""Run logs: TensorBoard scalars and image grids, a JSON-lines log, PNG sample grids."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image

from ganforge.atomic import atomic_write
from ganforge.errors import UserError, environment_message

PLAIN_PROGRESS_SECONDS = 30.0  # a line this often when stderr is a file, not a terminal


PARTS_FOLDER = "translation"  # RUN/samples/translation/step-N-<column>.png (docs/REPORTS.md)
ROW_LABELS_FILE = "prompts.txt"  # RUN/samples/prompts.txt: a grid's row labels, row by row


def image_grid(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 [N,C,H,W] -> uint8 [C,H',W'] grid, about square."""
    rows = max(1, int(math.sqrt(len(images_uint8))))
    return make_grid(images_uint8, nrow=rows, padding=2, pad_value=0)


def save_grid(images_uint8: torch.Tensor, path: Path, nrow: int | None = None) -> Path:
    """Write a grid of uint8 images atomically (temp name, then rename); the suffix picks the format."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nrow = nrow or max(1, int(math.sqrt(len(images_uint8))))
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix or '.png'}")
    try:
        save_image(images_uint8.float() / 255, tmp, nrow=nrow, padding=2)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


class PlainProgress:
    """Progress for logs: one plain line every `interval` seconds and at the end, no carriage returns."""

    def __init__(self, total: int, initial: int = 0, interval: float = PLAIN_PROGRESS_SECONDS):
        self.total, self.n, self.interval = total, initial, interval
        self.started, self.start_n = time.perf_counter(), initial
        self.last_print = self.started
        self.postfix = ""

    def update(self, count: int = 1) -> None:
        self.n += count
        if time.perf_counter() - self.last_print >= self.interval:
            self._print()

    def set_postfix(self, ordered_dict: dict | None = None, refresh: bool = True, **values) -> None:
        """As tqdm's: a mapping and/or keyword values shown after the counts."""
        values = {**(ordered_dict or {}), **values}
        self.postfix = " ".join(f"{key}={value}" for key, value in values.items())

    def _print(self) -> None:
        now = time.perf_counter()
        rate = (self.n - self.start_n) / max(now - self.started, 1e-9)
        percent = 100 * self.n / max(self.total, 1)
        print(f"step {self.n}/{self.total} ({percent:.0f}%) {rate:.1f} step/s {self.postfix}".rstrip(),
              file=sys.stderr, flush=True)
        self.last_print = now

    def close(self) -> None:
        if self.n > self.start_n:
            self._print()


def progress_bar(total: int, initial: int, enabled: bool = True):
    """A tqdm bar on a terminal, plain periodic lines when stderr is redirected, nothing when off."""
    from tqdm import tqdm

    if enabled and not sys.stderr.isatty():
        return PlainProgress(total, initial)
    return tqdm(total=total, initial=initial, disable=not enabled, unit="step", file=sys.stderr)


class RunLogger:
    """Writes scalars to TensorBoard (`RUN/tb`) and `RUN/log.jsonl`; grids to TensorBoard and `RUN/samples`."""

    def __init__(self, run_dir: Path, resumed_step: int | None = None):
        from torch.utils.tensorboard import SummaryWriter

        self.run_dir = Path(run_dir)
        try:
            # On resume, TensorBoard drops events logged after the checkpoint (they are redone).
            self.writer = SummaryWriter(str(self.run_dir / "tb"), purge_step=resumed_step)
            self.jsonl = (self.run_dir / "log.jsonl").open("a")
        except OSError as err:
            message = environment_message(err)
            if message is None:
                raise
            raise UserError(f"cannot start the run's logs in {self.run_dir}: {message}") from None

    def scalars(self, step: int, values: dict[str, float]) -> None:
        for name, value in values.items():
            self.writer.add_scalar(name, value, step)
        self.jsonl.write(json.dumps({"step": step, **values}) + "\n")
        self.jsonl.flush()

    def samples(self, step: int, images_uint8: torch.Tensor, name: str | None = None, nrow: int | None = None,
                row_labels: list[str] | None = None, columns: tuple[str, ...] | None = None) -> Path:
        nrow = nrow or max(1, int(math.sqrt(len(images_uint8))))
        path = self.run_dir / "samples" / (name or f"step-{step:08d}.png")
        if columns:  # e.g. input | output | target: each column also as its own strip, for the report
            for index, column in enumerate(columns):
                save_grid(images_uint8[index :: len(columns)], self.run_dir / "samples" / PARTS_FOLDER / f"step-{step:08d}-{column}.png", nrow=1)
        if row_labels:  # text-to-image: each row's prompt written beside it, and listed for the report
            atomic_write(self.run_dir / "samples" / ROW_LABELS_FILE,
                         lambda handle: handle.write("".join(f"{label}\n" for label in row_labels).encode()))
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


class _NoWriter:
    def add_scalar(self, *args, **kwargs) -> None:
        pass

    def add_image(self, *args, **kwargs) -> None:
        pass


class NullLogger:
    """The logger of processes other than 0: process 0 alone writes a run's logs and grids."""

    writer = _NoWriter()

    def scalars(self, step: int, values: dict[str, float]) -> None:
        pass

    def samples(self, *args, **kwargs) -> None:
        return None

    def close(self) -> None:
        pass
