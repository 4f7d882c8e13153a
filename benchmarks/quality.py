"""Quality per wall-clock minute, as users meet it: folder presets with their default settings,
trained side by side (one process and one thread each, started together, so both see the same
background load) for a fixed wall time on a built-in data set, then scored at every mark:
FID with the data set's own evaluator for the default sample (EMA) and the raw generator,
and FID with the real Inception weights at the last mark.

    python benchmarks/quality.py [--presets dcgan-folder-64 projected-folder-64] [--data builtin:digits]
                                 [--minutes 10] [--every 120] [--n 1000] [--inception-n 500] [--keep DIR]
    python benchmarks/quality.py --score-inception DIR --data builtin:digits [--inception-n 500]

Snapshots of both generators are taken at each mark and scored after training, so scoring
never takes time from training. Each process counts only its own training time. With
`--keep DIR` the runs stay in DIR/<preset> and `--score-inception DIR` scores their final
default sample (EMA) with the Inception weights later, as a job of its own.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

import ganforge
from ganforge.config import load_config
from ganforge.training.loop import train


class Marks:
    """Step hook: every `every` seconds of training keep copies of EMA and raw G; stop at the budget."""

    def __init__(self, minutes: float, every: float):
        self.budget, self.every = minutes * 60, every
        self.trained, self.last, self.next_mark = 0.0, time.perf_counter(), every
        self.cpu_start = time.process_time()
        self.snapshots: list[tuple[float, float, int, torch.nn.Module, torch.nn.Module]] = []

    def __call__(self, state, run_dir, logger) -> None:
        now = time.perf_counter()
        self.trained += now - self.last
        if self.trained >= self.next_mark - 1e-6 or self.trained >= self.budget:
            ema = copy.deepcopy(state.sampled_network).eval()
            raw = copy.deepcopy(state.networks[state.objective.sampled]).eval()
            cpu_minutes = (time.process_time() - self.cpu_start) / 60
            self.snapshots.append((self.trained / 60, cpu_minutes, state.step, ema, raw))
            print(f"{state.config.name}: {self.trained / 60:.2f} min, step {state.step}", file=sys.stderr, flush=True)
            self.next_mark += self.every
            if self.trained >= self.budget:
                state.config.train.steps = state.step  # ends the loop after this step
        self.last = time.perf_counter()


def _fid(generator, data: str, features: str, n: int) -> float:
    return ganforge.evaluate(fake=generator, real=data, metrics=["fid"], features=features, n=n, cache=True)["fid"]


def worker(args: argparse.Namespace) -> None:
    """Train one preset, then score its snapshots; print one JSON line per mark."""
    config = load_config(args.worker, {"data.path": args.data, "train.steps": 10**9, "ckpt.every": 10**9,
                                       "train.sample_every": 10**9})  # fmt: skip
    marks = Marks(args.minutes, args.every)
    with tempfile.TemporaryDirectory() as tmp:
        train(config, Path(args.keep or tmp) / args.worker, progress=False, step_hook=marks)
    domain = args.data.removeprefix("builtin:")
    for i, (minutes, cpu_minutes, step, ema, raw) in enumerate(marks.snapshots):
        row = {"preset": args.worker, "minutes": round(minutes, 2), "cpu_minutes": round(cpu_minutes, 2), "step": step,
               "fid_domain_ema": _fid(ema, args.data, domain, args.n),
               "fid_domain_raw": _fid(raw, args.data, domain, args.n)}  # fmt: skip
        if i == len(marks.snapshots) - 1 and args.inception_n > 0:
            row["fid_inception_ema"] = _fid(ema, args.data, "inception", args.inception_n)
            row["fid_inception_raw"] = _fid(raw, args.data, "inception", args.inception_n)
        print(json.dumps(row), flush=True)


def _value(row: dict, key: str) -> str:
    return f"{row[key]:.2f}" if key in row else "–"


def compare(args: argparse.Namespace) -> None:
    """Start one worker per preset at once, one thread each; print the table."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    common = ["--data", args.data, "--minutes", str(args.minutes), "--every", str(args.every),
              "--n", str(args.n), "--inception-n", str(args.inception_n)]  # fmt: skip
    common += ["--keep", args.keep] if args.keep else []
    workers = [subprocess.Popen([sys.executable, __file__, "--worker", preset, *common], env=env,
                                stdout=subprocess.PIPE, text=True) for preset in args.presets]  # fmt: skip
    rows = []
    for process in workers:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"quality.py: a worker failed (exit {process.returncode})")
        rows += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    presets = " ".join(args.presets)
    print(f"\npython benchmarks/quality.py --presets {presets} --data {args.data} --minutes {args.minutes:g} "
          f"--every {args.every:g} --n {args.n} --inception-n {args.inception_n}" + (f" --keep {args.keep}" if args.keep else ""))
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; the presets trained side by side, "
          f"one thread each; torch {torch.__version__}; FID of {args.n} generated images vs {args.data} "
          f"with its evaluator; Inception FID with {args.inception_n} images at the last mark")
    print("| preset | training minutes | its CPU minutes | steps | FID domain (EMA) | FID domain (raw) "
          "| FID Inception (EMA) | FID Inception (raw) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in sorted(rows, key=lambda r: (r["minutes"], r["preset"])):
        print(f"| {row['preset']} | {row['minutes']:.1f} | {row['cpu_minutes']:.1f} | {row['step']} "
              f"| {_value(row, 'fid_domain_ema')} "
              f"| {_value(row, 'fid_domain_raw')} | {_value(row, 'fid_inception_ema')} "
              f"| {_value(row, 'fid_inception_raw')} |")


def score_inception(args: argparse.Namespace) -> None:
    """Inception FID of the final default sample of each run kept in `--score-inception DIR`."""
    print(f"\npython benchmarks/quality.py --score-inception {args.score_inception} --data {args.data} "
          f"--inception-n {args.inception_n}\n{torch.get_num_threads()} threads; Inception FID (real weights) "
          f"of {args.inception_n} generated images (EMA) vs {args.inception_n} of {args.data}")
    print("| preset | FID Inception (EMA) |\n|---|---:|")
    for run in sorted(Path(args.score_inception).iterdir()):
        print(f"| {run.name} | {_fid(run, args.data, 'inception', args.inception_n):.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["dcgan-folder-64", "projected-folder-64"])
    parser.add_argument("--data", default="builtin:digits")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=120.0, help="seconds of training between marks")
    parser.add_argument("--n", type=int, default=1000, help="generated images per domain FID")
    parser.add_argument("--inception-n", type=int, default=500, help="images per Inception FID (0: none)")
    parser.add_argument("--keep", help="keep the runs in this folder (for --score-inception)")
    parser.add_argument("--score-inception", metavar="DIR", help="score the runs kept in DIR; no training")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.score_inception:
        score_inception(args)
    else:
        worker(args) if args.worker else compare(args)


if __name__ == "__main__":
    main()
