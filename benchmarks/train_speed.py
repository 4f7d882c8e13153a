"""Training speed: ganforge's DCGAN against the official PyTorch DCGAN example's loop.

The step: s/kimg of ganforge's DCGAN step and of the example's iteration, the same 32x32
architecture (width 64, z 100, 3 channels, batch 64, one D and one G step per iteration) on the
same preloaded builtin:shapes batches, in one process, their timings interleaved so machine
noise hits both alike.

    python benchmarks/train_speed.py [--iterations 30] [--repeats 5]

The whole program (`--program`): `ganforge train dcgan-folder-64 data.path=FOLDER` as a user
runs it (start-up, decoding the folder, logs, samples, checkpoints), with its DiffAugment and
EMA and without, each side by side with `benchmarks/reference_dcgan.py` (a re-implementation
of the example's `main.py --dataset folder` loop) on the same folder, one thread each, both
started together and stopped after the same wall time; steps and images per second of that
wall time, and of the training loop alone. Without `--folder` it writes 8,000 digit PNGs with
`benchmarks/digit_folder.py` into a temporary folder.

    python benchmarks/train_speed.py --program [--folder FOLDER] [--seconds 180]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ganforge.config import load_config
from ganforge.training.rng import seed_everything
from ganforge.training.state import build_state
from ganforge.training.step import train_step

BATCH, Z_DIM, WIDTH, CHANNELS = 64, 100, 64, 3


class ReferenceGenerator(nn.Module):
    """The official example's netG with one block fewer, for 32x32 output."""

    def __init__(self):
        super().__init__()
        ngf = WIDTH
        self.main = nn.Sequential(
            nn.ConvTranspose2d(Z_DIM, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, CHANNELS, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class ReferenceDiscriminator(nn.Module):
    """The official example's netD with one block fewer, for 32x32 input (sigmoid output)."""

    def __init__(self):
        super().__init__()
        ndf = WIDTH
        self.main = nn.Sequential(
            nn.Conv2d(CHANNELS, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.main(x)


def _weights_init(m):
    name = m.__class__.__name__
    if "Conv" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class ReferenceLoop:
    """The training iteration of pytorch/examples dcgan/main.py: BCELoss on sigmoid outputs."""

    def __init__(self, images: torch.Tensor):
        self.images = images
        self.netG, self.netD = ReferenceGenerator(), ReferenceDiscriminator()
        self.netG.apply(_weights_init)
        self.netD.apply(_weights_init)
        self.criterion = nn.BCELoss()
        self.optD = torch.optim.Adam(self.netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optG = torch.optim.Adam(self.netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.generator = torch.Generator().manual_seed(0)

    def step(self):
        index = torch.randint(len(self.images), (BATCH,), generator=self.generator)
        real = self.images[index].float() / 127.5 - 1
        self.netD.zero_grad()
        label = torch.full((BATCH,), 1.0)
        err_real = self.criterion(self.netD(real).view(-1), label)
        err_real.backward()
        fake = self.netG(torch.randn(BATCH, Z_DIM, 1, 1))
        label.fill_(0.0)
        err_fake = self.criterion(self.netD(fake.detach()).view(-1), label)
        err_fake.backward()
        self.optD.step()
        self.netG.zero_grad()
        label.fill_(1.0)
        err_g = self.criterion(self.netD(fake).view(-1), label)
        err_g.backward()
        self.optG.step()


class GanforgeLoop:
    def __init__(self):
        config = load_config(
            "dcgan-shapes",
            {"model.z_dim": Z_DIM, "model.g.width": WIDTH, "model.d.width": WIDTH, "train.batch_size": BATCH,
             "train.device": "cpu", "train.ema.enabled": False},
        )
        seed_everything(0)
        self.state = build_state(config)

    def step(self):
        assert train_step(self.state) is not None


def seconds_per_step(loop, iterations: int) -> float:
    start = time.perf_counter()
    for _ in range(iterations):
        loop.step()
    return (time.perf_counter() - start) / iterations


BENCHMARKS = Path(__file__).resolve().parent
PROGRAM_BATCH = 64  # dcgan-folder-64's batch and the example's default
# ganforge's variants, each run beside a fresh reference program: (label, extra overrides)
PROGRAM_VARIANTS = {
    "default": ("ganforge dcgan-folder-64 (default: DiffAugment + EMA)", ()),
    "plain": ("ganforge dcgan-folder-64 augment.diffaugment=[] train.ema.enabled=false",
              ("augment.diffaugment=[]", "train.ema.enabled=false")),
}
GANFORGE_PROGRESS = re.compile(r"^step (\d+)/\d+ ")  # the plain progress line, every 30 s
GANFORGE_STOPPED = re.compile(r"checkpoint saved at step (\d+)")
REFERENCE_ITERATION = re.compile(r"^\[\d+/\d+\]\[\d+/\d+\] Loss_D")


@dataclass
class ProgramRun:
    """One program's output lines, each stamped with seconds since both programs started."""

    label: str
    process: subprocess.Popen
    lines: list[tuple[float, str]] = field(default_factory=list)
    ended: float = 0.0

    def read(self, stream, started: float) -> None:
        for line in stream:
            self.lines.append((time.perf_counter() - started, line.rstrip("\n")))


def ganforge_steps(lines: list[tuple[float, str]]) -> tuple[int, list[tuple[float, int]]]:
    """(steps done when stopped, [(time, step)] of the progress lines) from `ganforge train`'s stderr."""
    progress = [(t, int(m.group(1))) for t, line in lines if (m := GANFORGE_PROGRESS.match(line))]
    stopped = [int(m.group(1)) for _, line in lines if (m := GANFORGE_STOPPED.search(line))]
    return (stopped[-1] if stopped else 0), progress  # 0: stopped before its first step


def reference_steps(lines: list[tuple[float, str]]) -> tuple[int, list[tuple[float, int]]]:
    """(iterations done, [(time, iterations so far)] per iteration line) from the reference's stdout."""
    progress = [(t, k + 1) for k, (t, _) in enumerate((t, line) for t, line in lines if REFERENCE_ITERATION.match(line))]
    return (progress[-1][1] if progress else 0), progress


def loop_rate(progress: list[tuple[float, int]]) -> float | None:
    """Steps per second between the first and the last progress mark (start-up left out)."""
    if len(progress) < 2 or progress[-1][0] <= progress[0][0]:
        return None
    return (progress[-1][1] - progress[0][1]) / (progress[-1][0] - progress[0][0])


def _launch(label: str, command: list[str], env: dict[str, str], started: float, stream: str) -> tuple[ProgramRun, threading.Thread]:
    process = subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run = ProgramRun(label, process)
    reader = threading.Thread(target=run.read, args=(getattr(process, stream), started), daemon=True)
    reader.start()
    drain = threading.Thread(target=lambda: [None for _ in getattr(process, "stderr" if stream == "stdout" else "stdout")],
                             daemon=True)
    drain.start()
    return run, reader


def run_pair(folder: Path, seconds: float, overrides: tuple[str, ...], work: Path, label: str) -> list[dict]:
    """ganforge and the reference program started together, one thread each, for `seconds`."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    run_dir = work / f"ganforge-{len(list(work.iterdir()))}"
    started = time.perf_counter()
    ganforge_run, ganforge_reader = _launch(
        label, [sys.executable, "-m", "ganforge", "train", "dcgan-folder-64", f"data.path={folder}", *overrides,
                "--run-dir", str(run_dir)], env, started, "stderr")
    reference_run, reference_reader = _launch(
        "reference (benchmarks/reference_dcgan.py)",
        [sys.executable, str(BENCHMARKS / "reference_dcgan.py"), "--dataroot", str(folder), "--seconds", str(seconds),
         "--outf", str(work), "--manualSeed", "0"], env, started, "stdout")
    time.sleep(max(0.0, seconds - (time.perf_counter() - started)))
    ganforge_run.process.send_signal(signal.SIGTERM)  # finishes its step, saves a checkpoint, exits
    rows = []
    for run, reader, parse in ((ganforge_run, ganforge_reader, ganforge_steps),
                               (reference_run, reference_reader, reference_steps)):
        code = run.process.wait()
        if code != 0 and not (run is ganforge_run and code == -signal.SIGTERM):  # killed while starting: 0 steps
            raise SystemExit(f"train_speed.py: {run.label} failed:\n" + "\n".join(line for _, line in run.lines[-20:]))
        reader.join()
        steps, progress = parse(run.lines)
        rate = loop_rate(progress)
        rows.append({"program": run.label, "steps": steps, "steps_per_s": steps / seconds,
                     "images_per_s": steps * PROGRAM_BATCH / seconds,
                     "loop_images_per_s": None if rate is None else rate * PROGRAM_BATCH})
    return rows


def program_comparison(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder
        if folder is None:
            sys.path.insert(0, str(BENCHMARKS))
            from digit_folder import write_folder

            folder = Path(tmp) / "digits"
            write_folder(folder, per_class=1000, smallest=0.6, seed=0)
        load_before = os.getloadavg()
        rows = []
        for label, overrides in (PROGRAM_VARIANTS[name] for name in args.variants):
            work = Path(tmp) / f"pair-{len(rows)}"
            work.mkdir()
            rows += run_pair(Path(folder), args.seconds, overrides, work, label)
        load_after = os.getloadavg()
    print(f"\ncommand: python benchmarks/train_speed.py --program --seconds {args.seconds:g} --variants {' '.join(args.variants)}"
          + (f" --folder {args.folder}" if args.folder else ""))
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; each row "
          f"pair ran side by side, one thread each, for {args.seconds:g} s of wall time from launch; "
          f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print("| program | steps | steps/s | images/s (whole program) | images/s (training loop) |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        loop = "–" if row["loop_images_per_s"] is None else f"{row['loop_images_per_s']:.1f}"
        print(f"| {row['program']} | {row['steps']} | {row['steps_per_s']:.3f} | {row['images_per_s']:.1f} | {loop} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved blocks per loop")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--program", action="store_true", help="compare the whole training programs instead")
    parser.add_argument("--folder", type=Path, default=None, help="image folder for --program (default: digits)")
    parser.add_argument("--seconds", type=float, default=180.0, help="wall time of each --program pair")
    parser.add_argument("--variants", nargs="+", choices=list(PROGRAM_VARIANTS), default=list(PROGRAM_VARIANTS),
                        help="ganforge's settings in --program, each beside its own reference run")
    args = parser.parse_args()
    if args.program:
        program_comparison(args)
        return

    ganforge_loop = GanforgeLoop()
    reference_loop = ReferenceLoop(ganforge_loop.state.data.images)
    loops = {"ganforge": ganforge_loop, "reference (pytorch/examples dcgan)": reference_loop}
    for loop in loops.values():
        seconds_per_step(loop, args.warmup)
    timings: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(args.repeats):
        for name, loop in loops.items():
            timings[name].append(seconds_per_step(loop, args.iterations))

    kimg = BATCH / 1000
    medians = {name: statistics.median(values) / kimg for name, values in timings.items()}
    reference = medians["reference (pytorch/examples dcgan)"]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}")
    print(f"command: python benchmarks/train_speed.py --iterations {args.iterations} --repeats {args.repeats}\n")
    print("| loop | s/kimg (median) | min | max | speed-up vs reference |")
    print("|---|---|---|---|---|")
    for name, values in timings.items():
        per_kimg = [v / kimg for v in values]
        print(f"| {name} | {medians[name]:.3f} | {min(per_kimg):.3f} | {max(per_kimg):.3f} | {reference / medians[name]:.2f}x |")


if __name__ == "__main__":
    main()
