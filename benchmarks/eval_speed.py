"""End-to-end `ganforge eval` against the reference tools' command lines, same folders, same weights.

Writes N + N digit PNGs (two disjoint halves of `builtin:digits`), then times, as separate
processes run one after another in rounds (so load from other jobs falls on all alike):
`ganforge eval --no-cache` (FID, tf1), torch-fidelity's `fidelity --fid` (no cache) and
`python -m pytorch_fid`, all with the installed real weights (the references get them with a
zero classifier they do not use). Wall time includes start-up, decoding, resizing, features
and the FD. Prints a markdown table and the command.

    python benchmarks/eval_speed.py [--n 400] [--rounds 1] [--threads T]
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from ganforge.data import open_source
from ganforge.metrics.weights import installed_weights, load_state_dict_file

RUNNER = """
import sys, torch
import pytorch_fid.inception
weights = sys.argv.pop(1)
pytorch_fid.inception.load_state_dict_from_url = lambda *a, **k: torch.load(weights, weights_only=True)
from pytorch_fid.fid_score import main
sys.exit(main())
"""


def write_halves(root: Path, n: int) -> tuple[Path, Path]:
    source = open_source("builtin:digits")
    halves = (root / "a", root / "b")
    for index, half in enumerate(halves):
        half.mkdir()
        for i in range(index, 2 * n, 2):
            source.image(i % len(source)).save(half / f"{i:05d}.png")
    return halves


def commands(a: Path, b: Path, weights: Path, reference_weights: Path, threads: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "ganforge eval": [python, "-m", "ganforge.cli", "eval", "--fake", str(a), "--real", str(b),
                          "--weights", str(weights), "--no-cache", "--device", "cpu"],
        "torch-fidelity 0.4.0 (fidelity --fid)": [python, "-m", "torch_fidelity.fidelity", "--fid", "--input1", str(a),
                                                   "--input2", str(b), "--cpu", "--no-cache",
                                                   "--feature-extractor-weights-path", str(reference_weights)],
        "pytorch-fid 0.3.0 (python -m pytorch_fid)": [python, "-c", RUNNER, str(reference_weights), str(a), str(b),
                                                       "--device", "cpu", "--num-workers", "0"],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="images per side (default 400)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args(argv)
    installed = installed_weights()
    if installed is None:
        sys.exit("eval_speed.py: no Inception weights installed; run `make weights` first")
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "PYTHONPATH": os.pathsep.join(sys.path)}
    seconds: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        a, b = write_halves(root, args.n)
        state = load_state_dict_file(installed.path)
        state.setdefault("fc.weight", torch.zeros(1008, 2048))
        state.setdefault("fc.bias", torch.zeros(1008))
        torch.save(state, root / "reference.pth")
        runs = commands(a, b, installed.path, root / "reference.pth", args.threads)
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            for name, command in runs.items():
                began = time.perf_counter()
                done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=root)
                seconds.setdefault(name, []).append(time.perf_counter() - began)
                if done.returncode:
                    sys.exit(f"{name} failed: {done.stderr.strip().splitlines()[-1:]}")
                print(f"  {name}: {seconds[name][-1]:.1f} s; {done.stdout.strip().splitlines()[-1:]}",
                      file=sys.stderr, flush=True)  # fmt: skip
    ours = min(seconds["ganforge eval"])
    print(f"\n{args.n} + {args.n} digit PNGs (32×32), {args.threads} threads, load average "
          f"{load_before:.1f} / {os.getloadavg()[0]:.1f} at start / end")  # fmt: skip
    print("| command | best wall s | ganforge speed-up |")
    print("|---|---:|---:|")
    for name, times in seconds.items():
        print(f"| {name} | {min(times):.1f} | {min(times) / ours:.2f}× |")
    print(f"\ncommand: python benchmarks/eval_speed.py {shlex.join(sys.argv[1:] if argv is None else argv)}".rstrip())


if __name__ == "__main__":
    main()
