"""Refuse, before allocating, what cannot fit: name the value and the memory it needs."""

from __future__ import annotations

import os

from ganforge.errors import UserError

GIB = 1 << 30


def available_bytes(device: str = "cpu") -> int | None:
    """Free memory of `device` (RAM: MemAvailable; CUDA: free device memory); None if unknown."""
    if str(device).startswith("cuda"):
        import torch

        if torch.cuda.is_available():
            return int(torch.cuda.mem_get_info()[0])
        return None
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(what: str, needed: int, device: str = "cpu") -> None:
    """UserError naming `what` when `needed` bytes exceed the memory free on `device`."""
    free = available_bytes(device)
    if free is not None and needed > free:
        raise UserError(
            f"{what}: needs about {needed / GIB:.1f} GiB of memory, but {free / GIB:.1f} GiB is free"
            f" on {device}; choose a smaller value"
        )
