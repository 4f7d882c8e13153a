"""Data-audit speed: images per second of `ganforge data audit` on a generated folder of small PNGs.

The folder holds N distinct 64x64 RGB PNGs (smooth random fields, ~4 KB each) in 10 class
sub-folders, plus 1% exact copies; the audit runs every check (hashes, near-duplicates,
outliers, classes) with the default number of worker processes and with one.

    python benchmarks/audit_speed.py [--n 50000] [--workers 1,0]   (0 = the default count)
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ganforge.audit import AuditOptions, run_audit
from ganforge.audit.scan import default_workers


def make_folder(root: Path, count: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for k in range(count):
        folder = root / f"class{k % 10}"
        folder.mkdir(exist_ok=True)
        coarse = rng.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
        Image.fromarray(coarse).resize((64, 64), Image.BICUBIC).save(folder / f"{k:06d}.png")
    for k in range(0, count, 100):
        shutil.copyfile(root / f"class{k % 10}" / f"{k:06d}.png", root / f"class{k % 10}" / f"{k:06d}-copy.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50000)
    parser.add_argument("--workers", default="0,1", help="comma-separated; 0 = default (CPU count, at most 8)")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        make_folder(Path(tmp), args.n)
        files = sum(1 for _ in Path(tmp).rglob("*.png"))
        print(f"generated {files:,} PNGs in {time.perf_counter() - started:.0f} s")
        print("| workers | images | seconds | images/s | duplicate groups | near-duplicate groups |")
        print("|---:|---:|---:|---:|---:|---:|")
        for text in args.workers.split(","):
            workers = int(text) or default_workers()
            result = run_audit(tmp, options=AuditOptions(workers=workers, progress=False))
            found = result.to_json()["findings"]
            print(f"| {workers} | {result.images:,} | {result.seconds:.1f} | {result.rate():,.0f} | "
                  f"{len(found['duplicates']['groups'])} | {len(found['near-duplicates']['groups'])} |", flush=True)


if __name__ == "__main__":
    main()
