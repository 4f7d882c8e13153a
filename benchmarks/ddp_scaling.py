"""Distributed scaling: training images per second with 1..N processes on one machine.

Each point is a real `ganforge train PRESET --nproc n` run (torchrun, gloo on CPU, nccl with one
GPU per process on CUDA) with the same global batch; the rate is the median of the logged
it/s after the first log interval, times the global batch. On CPU the cores are split evenly
between the processes (OMP_NUM_THREADS = cores // n), so the table shows what splitting one
machine's cores costs or gains; on GPUs each process has its own device.

    python benchmarks/ddp_scaling.py [--max-procs 2] [--steps 60] [--repeats 2] [--threads T] [--markdown]
    python benchmarks/ddp_scaling.py --device cuda --max-procs 8 --batch 256 --width 64
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch


def run_once(args: argparse.Namespace, procs: int, run_dir: Path) -> tuple[float, float, list[str]]:
    """(images/s, wall seconds, command) of one training run in `procs` processes."""
    overrides = [
        f"train.steps={args.steps}", f"train.batch_size={args.batch}", f"train.log_every={args.log_every}",
        f"model.g.width={args.width}", f"model.d.width={args.width}", f"train.device={args.device}",
        "train.sample_every=1000000", "ckpt.every=1000000", "train.ema.enabled=false",
    ]
    command = ["ganforge", "train", args.preset, *overrides, "--run-dir", str(run_dir), "--no-progress"]
    if procs > 1:
        command += ["--nproc", str(procs)]
    threads = args.threads or (max(1, (os.cpu_count() or 1) // procs) if args.device == "cpu" else 1)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ganforge", *command[1:]], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    records = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    rates = [record["it_per_s"] for record in records[1:]]  # the first interval holds start-up
    return statistics.median(rates) * args.batch, wall, command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-procs", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64, help="global batch (split over the processes)")
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--preset", default="dcgan-digits")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--repeats", type=int, default=2, help="interleaved runs per process count (median)")
    parser.add_argument("--threads", type=int, help="threads per process (default: CPU cores split evenly)")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if args.device == "cuda":
        args.max_procs = min(args.max_procs, torch.cuda.device_count())
    load_before = os.getloadavg()[0]
    counts = [procs for procs in range(1, args.max_procs + 1) if args.batch % procs == 0]
    runs: dict[int, list] = {procs: [] for procs in counts}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):  # interleaved, so machine load falls on every count alike
            for procs in counts:
                runs[procs].append(run_once(args, procs, Path(tmp) / f"run{procs}-{repeat}"))
    rows = [
        (procs, statistics.median(r[0] for r in runs[procs]), statistics.median(r[1] for r in runs[procs]), runs[procs][0][2])
        for procs in counts
    ]
    load_after = os.getloadavg()[0]
    device = torch.cuda.get_device_name(0) if args.device == "cuda" else platform.processor() or platform.machine()
    threads = args.threads or "cores split evenly"
    print(f"# {device}, {os.cpu_count()} cores, torch {torch.__version__}, threads per process: {threads};"
          f" load average {load_before:.1f} / {load_after:.1f}")
    base = rows[0][1]
    if args.markdown:
        print("| processes | images/s | speed-up | wall s (incl. start-up) |\n|---:|---:|---:|---:|")
    for procs, rate, wall, command in rows:
        if args.markdown:
            print(f"| {procs} | {rate:.0f} | {rate / base:.2f}× | {wall:.1f} |")
        else:
            print(f"{procs} process(es): {rate:8.1f} images/s  ({rate / base:.2f}x)  wall {wall:.1f} s  [{' '.join(command)}]")


if __name__ == "__main__":
    main()
