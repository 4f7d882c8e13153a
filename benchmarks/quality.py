"""Quality per wall-clock minute, as users meet it: folder presets with their default settings,
trained side by side (one process and one thread each, started together, so both see the same
background load) for a fixed wall time on a built-in data set or an image folder, then scored at
every mark: FID with a domain evaluator for the default sample (EMA) and the raw generator, and
FID with the real Inception weights at the last mark (`--inception-at every`: at every mark).

    python benchmarks/quality.py [--presets dcgan-folder-64 projected-folder-64] [--data builtin:digits]
                                 [--features NAME] [--set PRESET:KEY=VALUE ...] [--minutes 10] [--every 120]
                                 [--n 1000] [--inception-n 500] [--inception-at last|every] [--keep DIR]
    python benchmarks/quality.py --few-shot DIR [--minutes 30 --every 300 ...]
    python benchmarks/quality.py --score-inception DIR --data builtin:digits [--inception-n 500]

`--features` names the evaluator of the domain FID (default: the shipped evaluator of a built-in
set). `--set PRESET:KEY=VALUE` overrides one preset's config (repeatable), e.g.
`--set dcgan-folder-64:data.resolution=128`.

The few-shot case (`--few-shot DIR`): benchmarks/few_shot_folder.py writes 100 star images of
256 px to DIR, and fastgan-folder-256, projected-folder-256 and dcgan-folder-64 train on it; the
real side of every FID is those 100 training images, and the domain FID uses the shapes
evaluator. DCGAN cannot build 256 px (its model allows 32, 64 and 128), so it trains as its
folder preset does, at 64 px (`--set dcgan-folder-64:data.resolution=128` for its largest).
Its samples are scored as delivered: each evaluator resizes every image to its own input (32 px
for the shapes evaluator, 299 px for Inception), so the domain FID compares the three on the
same footing, and the Inception FID charges DCGAN for the detail a 64 px image cannot hold,
which is what a user asking for 256 px gets. With 100 real images the Inception FID (2,048
features) is biased upwards for every preset alike: compare presets, not other studies.

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
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

import ganforge
from ganforge.config import load_config, parse_override
from ganforge.data.builtin import shipped_evaluator
from ganforge.data.listing import is_image_name
from ganforge.training.loop import train

# The few-shot case: 100 images of one kind at 256 px (benchmarks/few_shot_folder.py).
FEW_SHOT = {"presets": ["fastgan-folder-256", "projected-folder-256", "dcgan-folder-64"], "features": "shapes",
            "images": 100}  # fmt: skip
# Which marks get an Inception FID, given the number of marks.
INCEPTION_AT = {"last": lambda count: {count - 1}, "every": lambda count: set(range(count))}
INCEPTION_WHEN = {"last": "the last mark", "every": "every mark"}


class Marks:
    """Step hook: every `every` seconds of training keep copies of EMA and raw G; stop at the budget."""

    def __init__(self, minutes: float, every: float):
        self.budget, self.every = minutes * 60, every
        self.trained, self.last, self.next_mark = 0.0, time.perf_counter(), every
        self.cpu_start = time.process_time()
        self.snapshots: list[tuple[float, float, int, torch.nn.Module, torch.nn.Module]] = []
        self.resolution = None  # the size trained at, once "auto" is resolved

    def __call__(self, state, run_dir, logger) -> None:
        now = time.perf_counter()
        self.trained += now - self.last
        self.resolution = state.config.data.resolution
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


def domain_features(data: str, features: str | None) -> str:
    """The evaluator of the domain FID: as given, else the shipped one of a built-in set."""
    name = features or shipped_evaluator(data)
    if name is None:
        raise SystemExit(f"quality.py: --data {data} has no shipped evaluator; name one with --features")
    return name


def preset_overrides(sets: list[str], preset: str) -> dict:
    """The `KEY=VALUE` of each `PRESET:KEY=VALUE` in `sets` for `preset`, as load_config takes them."""
    overrides = {}
    for item in sets:
        name, sep, override = item.partition(":")
        if not sep or "=" not in override:
            raise SystemExit(f"quality.py: --set {item!r}: expected PRESET:KEY=VALUE")
        if name == preset:
            keys, value = parse_override(override)
            overrides[".".join(keys)] = value
    return overrides


def check_sets(sets: list[str], presets: list[str]) -> None:
    """Fail before training when a `--set` names a preset that is not run (a typo would go unseen)."""
    for item in sets:
        preset_overrides([item], "")  # the form
        if item.partition(":")[0] not in presets:
            raise SystemExit(f"quality.py: --set {item!r}: {item.partition(':')[0]} is not among --presets")


def few_shot(args: argparse.Namespace) -> None:
    """Write the few-shot folder to `args.few_shot` and point the comparison at it."""
    from few_shot_folder import write_folder

    write_folder(Path(args.few_shot), n=FEW_SHOT["images"])
    args.data, args.presets = args.few_shot, FEW_SHOT["presets"]
    args.features = args.features or FEW_SHOT["features"]


def worker(args: argparse.Namespace) -> None:
    """Train one preset, then score its snapshots; print one JSON line per mark."""
    config = load_config(args.worker, {"data.path": args.data, "train.steps": 10**9, "ckpt.every": 10**9,
                                       "train.sample_every": 10**9, "train.max_minutes": None,  # the marks set the budget
                                       **preset_overrides(args.set, args.worker)})  # fmt: skip
    marks = Marks(args.minutes, args.every)
    with tempfile.TemporaryDirectory() as tmp:
        train(config, Path(args.keep or tmp) / args.worker, progress=False, step_hook=marks)
    domain = domain_features(args.data, args.features)
    inception_marks = INCEPTION_AT[args.inception_at](len(marks.snapshots))
    for i, (minutes, cpu_minutes, step, ema, raw) in enumerate(marks.snapshots):
        started = time.perf_counter()
        row = {"preset": args.worker, "minutes": round(minutes, 2), "cpu_minutes": round(cpu_minutes, 2), "step": step,
               "resolution": marks.resolution,
               "fid_domain_ema": _fid(ema, args.data, domain, args.n),
               "fid_domain_raw": _fid(raw, args.data, domain, args.n)}  # fmt: skip
        row["domain_seconds"] = round(time.perf_counter() - started, 1)
        if i in inception_marks and args.inception_n > 0:
            started = time.perf_counter()
            row["fid_inception_ema"] = _fid(ema, args.data, "inception", args.inception_n)
            row["fid_inception_raw"] = _fid(raw, args.data, "inception", args.inception_n)
            row["inception_seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(row), flush=True)


def _value(row: dict, key: str) -> str:
    return f"{row[key]:.2f}" if key in row else "–"


def command_line(args: argparse.Namespace) -> str:
    """The command that repeats this comparison, every setting spelled out."""
    head = [f"--few-shot {args.few_shot}"] if args.few_shot else [f"--presets {' '.join(args.presets)}", f"--data {args.data}"]
    options = head + ([f"--features {args.features}"] if args.features else [])
    options += [f"--set {shlex.quote(item)}" for item in args.set]
    options += [f"--minutes {args.minutes:g}", f"--every {args.every:g}", f"--n {args.n}",
                f"--inception-n {args.inception_n}"]  # fmt: skip
    options += [f"--inception-at {args.inception_at}"] if args.inception_at != "last" else []
    options += [f"--keep {args.keep}"] if args.keep else []
    return "python benchmarks/quality.py " + " ".join(options)


def real_side(data: str) -> str:
    """What the generated images are compared with: a built-in set, or the training images of a folder."""
    if not Path(data).is_dir():
        return data
    count = sum(1 for path in Path(data).rglob("*") if is_image_name(path.name))
    return f"the {count} training images in {data}"


def _seconds(rows: list[dict], preset: str, key: str) -> str:
    values = sorted(row[key] for row in rows if row["preset"] == preset and key in row)
    return f"{values[len(values) // 2]:.0f} s" if values else "–"


def compare(args: argparse.Namespace) -> None:
    """Start one worker per preset at once, one thread each; print the table."""
    check_sets(args.set, args.presets)
    features = domain_features(args.data, args.features)  # fails here, not after the training
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    common = ["--data", args.data, "--minutes", str(args.minutes), "--every", str(args.every),
              "--n", str(args.n), "--inception-n", str(args.inception_n), "--inception-at", args.inception_at]  # fmt: skip
    common += ["--keep", args.keep] if args.keep else []
    common += ["--features", args.features] if args.features else []
    common += [f"--set={item}" for item in args.set]
    workers = [subprocess.Popen([sys.executable, __file__, "--worker", preset, *common], env=env,
                                stdout=subprocess.PIPE, text=True) for preset in args.presets]  # fmt: skip
    rows = []
    for process in workers:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"quality.py: a worker failed (exit {process.returncode})")
        rows += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    print(f"\n{command_line(args)}")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; the presets trained side by side, "
          f"one thread each; torch {torch.__version__}; real side of every FID: {real_side(args.data)}; "
          f"domain FID of {args.n} generated images with the {features} evaluator; Inception FID (real weights) "
          f"with {args.inception_n} generated images at {INCEPTION_WHEN[args.inception_at]}")
    print("| preset | px | training minutes | its CPU minutes | steps | FID domain (EMA) | FID domain (raw) "
          "| FID Inception (EMA) | FID Inception (raw) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in sorted(rows, key=lambda r: (r["minutes"], r["preset"])):
        print(f"| {row['preset']} | {row.get('resolution', '–')} | {row['minutes']:.1f} | {row['cpu_minutes']:.1f} "
              f"| {row['step']} | {_value(row, 'fid_domain_ema')} "
              f"| {_value(row, 'fid_domain_raw')} | {_value(row, 'fid_inception_ema')} "
              f"| {_value(row, 'fid_inception_raw')} |")
    print("scoring time of one mark (EMA and raw, median over marks), one thread: " + "; ".join(
        f"{preset}: domain {_seconds(rows, preset, 'domain_seconds')}, Inception {_seconds(rows, preset, 'inception_seconds')}"
        for preset in args.presets))  # fmt: skip


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
    parser.add_argument("--inception-at", choices=INCEPTION_AT, default="last", help="marks with an Inception FID")
    parser.add_argument("--features", help="evaluator of the domain FID (default: the built-in set's own)")
    parser.add_argument("--set", action="append", default=[], metavar="PRESET:KEY=VALUE",
                        help="override one preset's config (repeatable)")
    parser.add_argument("--few-shot", metavar="DIR",
                        help="write 100 star images of 256 px to DIR and compare the few-shot presets on them")
    parser.add_argument("--keep", help="keep the runs in this folder (for --score-inception)")
    parser.add_argument("--score-inception", metavar="DIR", help="score the runs kept in DIR; no training")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.few_shot and not args.worker:
        few_shot(args)
    if args.score_inception:
        score_inception(args)
    else:
        worker(args) if args.worker else compare(args)


if __name__ == "__main__":
    main()
