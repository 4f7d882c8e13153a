"""CycleGAN, NICE-GAN, CUT and FastCUT on the same unpaired data for the same wall time.

    python benchmarks/translation_compare.py [--seconds 600] [--out runs/translation-compare]
        [--grid docs/images/translation-compare.png]

Each method trains its `*-shapes` preset (red -> blue shapes, 32 px; CUT presets for cut and
fastcut) at a constant learning rate, all four side by side in their own processes with one
thread each (the same CPU contention for all), and is stopped with SIGTERM after `--seconds`
(it saves a checkpoint and exits); the clock starts when every method has logged its first step. Then the held-out red shapes are translated and compared
with the held-out blue ones: FID and KID (Inception, real weights; and the shapes evaluator)
with 95 % bootstrap intervals, the shapes kept and the colour right (as `eval-translation`),
steps, seconds per step (wall, over the measured interval; CPU seconds of the whole process,
start-up included, per step), parameters of all networks
and of the translating network. A row `input (untranslated)` scores the red inputs
themselves. Prints one Markdown table and writes a grid: each held-out input through each
method (columns: input, then the methods in table order).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ganforge.data.translation import load_translation_data
from ganforge.metrics.bootstrap import bootstrap_intervals
from ganforge.metrics.features import build_features
from ganforge.metrics.fid import fid_from_features
from ganforge.metrics.kid import kernel_inception_distance
from ganforge.runs import load_checkpoint, load_translator, resolve_checkpoint
from ganforge.training.logging import save_grid
from ganforge.training.objectives import OBJECTIVES, DataInfo
from ganforge.translation.evaluate import _translate_all, shapes_scores

METHODS = {  # name: (preset, overrides)
    "cyclegan": ("cyclegan-shapes", []),
    "nicegan": ("nicegan-shapes", []),
    "cut": ("cut-shapes", ["cut.mode=cut"]),
    "fastcut": ("cut-shapes", ["cut.mode=fastcut"]),
}
COMMON = ["train.steps=1000000", "train.lr_decay=none", "ckpt.every=1000000", "train.sample_every=1000000", "train.log_every=1"]
GRID_ROWS = 8
TIMING = "timing.json"
SCORES = "scores.json"
CI_DRAWS = 100


def train_side_by_side(out: Path, seconds: float) -> dict[str, dict]:
    """Start every method at once, SIGTERM each after `seconds`; wall and CPU seconds per run."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    processes, logs = {}, {}
    out.mkdir(parents=True, exist_ok=True)
    for name, (preset, overrides) in METHODS.items():
        command = [sys.executable, "-m", "ganforge", "train", preset, *COMMON, *overrides, f"name={name}",
                   "--run-dir", str(out / name), "--no-progress"]
        logs[name] = out / f"{name}.stderr"
        with logs[name].open("wb") as stderr:
            processes[name] = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    first = {name: _wait_for_first_step(out / name, process) for name, process in processes.items()}
    started = time.monotonic()  # the clock starts once every method trains (start-up not counted)
    first = {name: _last_step(out / name) for name in processes}
    time.sleep(seconds)
    for process in processes.values():
        process.send_signal(signal.SIGTERM)
    timing = {}
    for name, process in processes.items():
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"{name}: training failed (exit {process.returncode}):\n{logs[name].read_text()[-2000:]}")
        timing[name] = {"wall": time.monotonic() - started, "cpu": usage.ru_utime + usage.ru_stime,
                        "first_step": first[name], "steps": _last_step(out / name) - first[name]}
    return timing


def _last_step(run: Path) -> int:
    lines = (run / "log.jsonl").read_text().splitlines()
    return json.loads(lines[-1])["step"] if lines else 0


def _wait_for_first_step(run: Path, process: subprocess.Popen) -> int:
    while not (run / "log.jsonl").is_file() or _last_step(run) == 0:
        if process.poll() is not None:
            raise SystemExit(f"{run.name}: training ended before its first step (exit {process.returncode})")
        time.sleep(0.5)
    return _last_step(run)


def features_of(images: torch.Tensor, extractor) -> np.ndarray:
    """[N, d] float64 features of uint8 images, default layer of the extractor."""
    layer = extractor.layers[0]
    with torch.no_grad():
        return torch.cat([extractor(images[k:k + 64])[layer].flatten(1).double() for k in range(0, len(images), 64)]).numpy()


def fid_low_rank(fake: np.ndarray, real: np.ndarray) -> float:
    """FID in the n x n space of the samples: tr sqrt(S1 S2) from the eigenvalues of
    (X1 X2^T)(X2 X1^T) / ((n1-1)(n2-1)) with centred X, the same non-zero spectrum as S1 S2
    (exact; at n = 167 << d = 2048 hundreds of bootstrap draws take seconds, not minutes)."""
    x1, x2 = fake - fake.mean(0), real - real.mean(0)
    cross = x1 @ x2.T
    eigen = np.linalg.eigvals(cross @ cross.T / ((len(x1) - 1) * (len(x2) - 1)))
    trace_sqrt = np.sqrt(np.clip(eigen.real, 0, None)).sum()
    diff = fake.mean(0) - real.mean(0)
    trace = (x1 * x1).sum() / (len(x1) - 1) + (x2 * x2).sum() / (len(x2) - 1)
    return float(diff @ diff + trace - 2 * trace_sqrt)


def distribution(fake: np.ndarray, real: np.ndarray) -> dict:
    def metrics(f, r):
        f, r = np.asarray(f), np.asarray(r)
        # one subset of all the images: the bootstrap draws already give the spread
        kid, _ = kernel_inception_distance(f, r, subsets=1, subset_size=min(len(f), len(r)), allow_shrink=True)
        return {"fid": fid_low_rank(f, r), "kid": kid}

    values = metrics(fake, real)
    intervals = bootstrap_intervals(metrics, fake, real, draws=CI_DRAWS)
    return {key: (value, intervals[key]) for key, value in values.items()}


def score(outputs: torch.Tensor, data, config, extractors: dict, reals: dict) -> dict:
    row = shapes_scores(outputs, data.a, config.translation.domain_b, "a")
    for name, extractor in extractors.items():
        result = distribution(features_of(outputs, extractor), reals[name])
        row[f"fid_{name}"], row[f"fid_{name}_ci"] = result["fid"]
        row[f"kid_{name}"], row[f"kid_{name}_ci"] = result["kid"]
    return row


def parameters(run: Path) -> tuple[int, int]:
    """(parameters of every trained network, parameters of the network that translates A -> B)."""
    translator = load_translator(run)
    config = translator.config
    declared = OBJECTIVES[config.task].declare(config, DataInfo(config.data.resolution, config.data.channels))
    total = sum(p.numel() for decl in declared for p in decl.module.parameters())
    return total, sum(p.numel() for p in translator.network.parameters())


def _interval(value: float, ci, scale: float = 1.0, digits: int = 2) -> str:
    return f"{value * scale:.{digits}f} [{ci[0] * scale:.{digits}f}, {ci[1] * scale:.{digits}f}]"


def print_table(rows: dict, timing: dict, n_inputs: int, n_targets: int) -> None:
    command = " ".join(["python", "benchmarks/translation_compare.py", *sys.argv[1:]])
    print(f"command: {command}")
    print(f"{n_inputs} held-out red shapes translated, against {n_targets} held-out blue shapes; "
          f"{timing['cyclegan']['wall']:.0f} s of wall time per method, all four side by side, one thread each; "
          f"95 % bootstrap intervals ({CI_DRAWS} draws)\n")
    print("| method | FID (Inception) | KID ×10³ (Inception) | FID (shapes) | KID ×10³ (shapes) | shape kept | colour right | steps | s/step (wall) | CPU s/step | parameters (all / translating) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        cells = [_interval(row["fid_inception"], row["fid_inception_ci"]), _interval(row["kid_inception"], row["kid_inception_ci"], 1e3),
                 _interval(row["fid_shapes"], row["fid_shapes_ci"]), _interval(row["kid_shapes"], row["kid_shapes_ci"], 1e3),
                 f"{row.get('shape_kept_a', float('nan')):.3f}", f"{row['target_colour_a']:.3f}"]
        if "steps" in row:
            cells += [f"{row['steps']:,}", f"{row['s_per_step']:.3f}", f"{row['cpu_s_per_step']:.3f}",
                      f"{row['params']:,} / {row['params_translator']:,}"]
        else:
            cells += ["—"] * 4
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600, help="wall time of every method (all side by side)")
    parser.add_argument("--out", type=Path, default=Path("runs/translation-compare"))
    parser.add_argument("--grid", type=Path, default=None, help="write the grid of held-out inputs through each method")
    parser.add_argument("--score-only", action="store_true", help="score the runs an earlier call trained in --out")
    args = parser.parse_args()
    if args.score_only:
        timing = json.loads((args.out / TIMING).read_text())
    else:
        if args.out.exists() and any(args.out.iterdir()):  # never mixes runs of two measurements
            raise SystemExit(f"{args.out}: not empty; choose another --out (or --score-only)")
        timing = train_side_by_side(args.out, args.seconds)
        (args.out / TIMING).write_text(json.dumps(timing, indent=2))
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    extractors = {name: build_features(name, device="cpu").eval() for name in ("inception", "shapes")}
    config = load_translator(args.out / "cyclegan").config
    data = load_translation_data(config)
    reals = {name: features_of(data.b.test, extractor) for name, extractor in extractors.items()}
    check = fid_from_features(features_of(data.a.test, extractors["shapes"]), reals["shapes"])
    rows = {"input (untranslated)": score(data.a.test, data, config, extractors, reals)}
    assert abs(rows["input (untranslated)"]["fid_shapes"] - check) < 1e-4 * max(1.0, check)  # exact (float32 stats there)
    columns = [data.a.test[:GRID_ROWS]]
    for name in METHODS:
        run = args.out / name
        translator = load_translator(run)
        outputs = _translate_all(translator, data.a.test)
        columns.append(outputs[:GRID_ROWS])
        step = int(load_checkpoint(resolve_checkpoint(run))["step"])
        total, translating = parameters(run)
        timed = timing[name]["steps"]  # the steps inside the measured wall time
        rows[name] = {**score(outputs, data, translator.config, extractors, reals), "steps": step, "s_per_step": timing[name]["wall"] / timed,
                      "cpu_s_per_step": timing[name]["cpu"] / step, "params": total, "params_translator": translating}
    (args.out / SCORES).write_text(json.dumps(rows, indent=2))
    print_table(rows, timing, len(data.a.test), len(data.b.test))
    if args.grid is not None:
        grid = torch.stack(columns, 1).flatten(0, 1)
        save_grid(grid, args.grid, nrow=len(columns))
        print(f"\ngrid: {args.grid} (rows: held-out inputs; columns: input, {', '.join(METHODS)})")


if __name__ == "__main__":
    main()
