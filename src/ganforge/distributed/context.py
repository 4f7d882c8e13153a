"""Which process this is among how many, and the few collectives the loop and the metrics use.

`torchrun` starts one process per device and sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and
MASTER_PORT; `init_from_env` joins them into one process group: nccl on CUDA (one GPU per
process, cuda:LOCAL_RANK), gloo on CPU. Host-side agreement (stop requests, non-finite losses,
per-rank checkpoint parts) goes through a gloo group, so it never waits for a GPU.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist

from ganforge.errors import TrainingFailed, UserError

DEFAULT_TIMEOUT_S = 600  # as NCCL's own default: a checkpoint or an evaluation fits well within it


@dataclass
class Distribution:
    """This process's place in the run; world size 1 (the default) is a single process."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    timeout_s: int = DEFAULT_TIMEOUT_S
    control: Any = None  # the gloo process group for host-side collectives

    @property
    def active(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def describe(self) -> str:
        return f"process {self.rank} of {self.world_size}"

    def any(self, flag: bool) -> bool:
        """True on every process when `flag` is true on at least one."""
        if not self.active:
            return flag
        value = torch.tensor([int(flag)])
        dist.all_reduce(value, op=dist.ReduceOp.MAX, group=self.control)
        return bool(value.item())

    def all(self, flag: bool) -> bool:
        return not self.any(not flag)

    def mean(self, values: dict[str, float]) -> dict[str, float]:
        """The average over processes of each value (same keys on every process)."""
        if not self.active or not values:
            return values
        names = sorted(values)
        stacked = torch.tensor([float(values[name]) for name in names], dtype=torch.float64)
        dist.all_reduce(stacked, group=self.control)
        return {name: float(total) / self.world_size for name, total in zip(names, stacked, strict=True)}

    def gather(self, obj: Any) -> list[Any]:
        """Every process's `obj`, in rank order, on every process."""
        if not self.active:
            return [obj]
        gathered: list[Any] = [None] * self.world_size
        dist.all_gather_object(gathered, obj, group=self.control)
        return gathered

    def from_main(self, obj: Any) -> Any:
        """Process 0's `obj` on every process."""
        if not self.active:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0, group=self.control)
        return box[0]

    def agree_on_error(self, message: str | None) -> None:
        """Raise on every process the UserError one of them found (checks only some can make)."""
        messages = [text for text in self.gather(message) if text]
        if messages:
            raise UserError(messages[0])

    def sync_buffers(self, module: torch.nn.Module) -> None:
        """Process 0's buffers (BatchNorm running statistics) on every process."""
        if not self.active:
            return
        for buffer in module.buffers():
            dist.broadcast(buffer, src=0)

    def lost(self, err: Exception) -> TrainingFailed:
        """The clear one-line failure for a collective that failed or timed out."""
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        first = re.sub(r"^\[[^\]]*\]\s*", "", first)[:120]  # drop gloo's source-file prefix
        return TrainingFailed(
            f"{self.describe()} lost contact with the others: another process died or did not answer"
            f" within {self.timeout_s} s ({first}); continue from the last checkpoint with --resume"
        )


SINGLE = Distribution()
_current = SINGLE

# How gloo (plain RuntimeError) and NCCL (DistBackendError) say that a peer died or timed out.
_LOST_MARKERS = ("gloo", "NCCL", "Connection reset", "Connection closed", "Timed out", "timed out")


def is_lost_contact(err: BaseException) -> bool:
    return isinstance(err, dist.DistError) or (
        isinstance(err, RuntimeError) and any(marker in str(err) for marker in _LOST_MARKERS)
    )


def current() -> Distribution:
    """The process group this process belongs to (world size 1 outside torchrun)."""
    return _current


def launched_world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def init_from_env(device: str = "auto", timeout_s: int = DEFAULT_TIMEOUT_S) -> Distribution:
    """Join the processes torchrun started (nothing to do for one process).

    `device` (auto|cpu|cuda) picks the backend: nccl with cuda:LOCAL_RANK, or gloo on CPU.
    """
    global _current
    world_size = launched_world_size()
    if world_size <= 1:
        return _current
    if _current.active:
        return _current
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if use_cuda:
        if local_rank >= torch.cuda.device_count():
            raise UserError(
                f"LOCAL_RANK {local_rank}: this machine has {torch.cuda.device_count()} GPU(s);"
                " start at most one process per GPU (--nproc-per-node)"
            )
        torch.cuda.set_device(local_rank)
    timeout = timedelta(seconds=timeout_s)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo", timeout=timeout)
    control = dist.new_group(backend="gloo", timeout=timeout) if dist.get_backend() != "gloo" else None
    _current = Distribution(rank, world_size, local_rank, timeout_s, control)
    return _current


def shutdown() -> None:
    """Leave the process group (a no-op for one process)."""
    global _current
    if _current.active and dist.is_initialized():
        dist.destroy_process_group()
    _current = SINGLE
