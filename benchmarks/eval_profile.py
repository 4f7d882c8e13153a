"""Where a whole `ganforge eval` command spends its time: a sampling profile, bucketed.

Writes N + N digit PNGs (as `eval_speed.py`), runs `ganforge eval --no-cache` under py-spy
(a dev dependency: `make install` puts it beside the interpreter) and sorts the samples of every thread's
stack into buckets by the frames they contain: the Inception trunk, resizing, the Fréchet
distance, the streaming statistics, decoding, imports, weights, and the rest. Threads that
only wait (tqdm's monitor) are left out. Prints a markdown table and the command.

    python benchmarks/eval_profile.py [--n 400] [--rate 20]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from eval_speed import write_halves

# First matching rule wins: (bucket, frames that must all appear in the stack).
BUCKETS = (
    ("resize (inside feature extraction)", ("_pool3", "resize")),
    ("Inception trunk", ("_pool3",)),
    ("Fréchet distance", ("fid.py",)),
    ("streaming mean / covariance", ("stats.py",)),
    ("decoding images", ("PIL",)),
    ("importing modules", ("_find_and_load",)),
    ("loading and folding weights", ("load_fid_inception",)),
    ("loading and folding weights", ("optimised_trunk",)),
)
WAITING = ("Condition.wait",)  # idle helper threads: not time the command spends


def bucket(stack: str) -> str | None:
    if any(frame in stack for frame in WAITING):
        return None
    for name, frames in BUCKETS:
        if all(frame in stack for frame in frames):
            return name
    return "everything else"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--rate", type=int, default=20, help="samples per second")
    args = parser.parse_args()
    beside = Path(sys.executable).with_name("py-spy")
    spy = str(beside) if beside.is_file() else shutil.which("py-spy")
    if spy is None:
        sys.exit("eval_profile: py-spy not found; install it with `pip install py-spy`")
    with tempfile.TemporaryDirectory() as tmp:
        a, b = write_halves(Path(tmp), args.n)
        raw = Path(tmp) / "profile.txt"
        command = [sys.executable, "-m", "ganforge.cli", "eval", "--fake", str(a), "--real", str(b),
                   "--no-cache", "--device", "cpu"]
        subprocess.run([spy, "record", "-o", str(raw), "-f", "raw", "-r", str(args.rate), "--", *command],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds: Counter[str] = Counter()
        for line in raw.read_text().splitlines():
            stack, count = line.rsplit(" ", 1)
            name = bucket(stack)
            if name is not None:
                seconds[name] += int(count) / args.rate
    total = sum(seconds.values())
    print(f"python benchmarks/eval_profile.py --n {args.n} --rate {args.rate}")
    print(f"`ganforge eval --no-cache` on {args.n} + {args.n} digit PNGs: {total:.1f} s sampled\n")
    print("| part | seconds | share |")
    print("|---|---:|---:|")
    for name, secs in seconds.most_common():
        print(f"| {name} | {secs:.1f} | {secs / total:.1%} |")


if __name__ == "__main__":
    main()
