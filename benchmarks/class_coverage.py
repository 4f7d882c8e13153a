"""Does a class-conditional preset draw every class as itself? Trains it as a user would, then
reads `ganforge sample RUN --class K`'s default samples (EMA generator, seed 0, no truncation)
of every class with an independent judge, beside the judge's accuracy on real digits.

    python benchmarks/class_coverage.py --work DIR                                   # cdcgan-folder
    python benchmarks/class_coverage.py --work DIR --preset cdcgan-digits --data builtin:digits
    python benchmarks/class_coverage.py --work DIR --run RUN                         # judge a run only
    python benchmarks/class_coverage.py --work DIR --elastic 2.5                     # wobblier digits

With `--data folder` (default) it writes two labelled folders of 28-px digits
(benchmarks/digit_folder.py): A, 8,000 images from the first half of each class's source digits
(class counts 1,000 down to 600, so the preset balances them), the generator's data; B, from
the other half with another seed, on which the judge (`ganforge evaluator train`) learns. The
judge has never seen a digit the generator learned from; its accuracy on all of A's real images
is the ceiling printed beside the generated images' accuracy. With `builtin:digits` the judge is
the shipped digits evaluator (its held-out accuracy is its `val_accuracy`).

Training runs `ganforge train PRESET data.path=A` in a child process with the default threads;
the wall and CPU time of that command and the load average before and after are printed, since
a 2-core machine shared with other work trains fewer steps in the same minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ganforge.metrics.features import build_features
from ganforge.runs import load_run
from ganforge.sampling import sample

sys.path.insert(0, str(Path(__file__).parent))
from digit_folder import write_folder  # noqa: E402

GANFORGE = [sys.executable, "-m", "ganforge"]
JUDGE_EPOCHS = 5


def timed(command: list[str]) -> dict:
    """Run a command; its wall time, children's CPU time and the load average around it."""
    print("$ " + " ".join(command), flush=True)
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"command": " ".join(command), "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}


def make_folders(work: Path, per_class: int, elastic: float) -> tuple[Path, Path]:
    train_folder, judge_folder = work / "digits-a", work / "digits-b"
    if not train_folder.exists():
        write_folder(train_folder, per_class=per_class, smallest=0.6, seed=0, sources="first", elastic=elastic)
    if not judge_folder.exists():
        write_folder(judge_folder, per_class=per_class, smallest=0.6, seed=1, sources="second", elastic=elastic)
    return train_folder, judge_folder


@torch.inference_mode()
def predicted(judge, images: torch.Tensor) -> np.ndarray:
    """The judge's class index for each uint8 [N, C, H, W] image."""
    out = []
    for start in range(0, len(images), 256):
        batch = images[start : start + 256]
        if batch.shape[1] == 1:
            batch = batch.expand(-1, 3, -1, -1)
        out.append(judge(batch)["logits"].argmax(1).numpy())
    return np.concatenate(out)


def folder_images(folder: Path, name: str) -> torch.Tensor:
    files = sorted((folder / name).glob("*.png"))
    return torch.from_numpy(np.stack([np.asarray(Image.open(f).convert("L"))[None] for f in files]))


def accuracy_by_class(judge, images_of: dict[str, torch.Tensor], judge_classes: list[str]) -> dict[str, float]:
    return {name: float((predicted(judge, images) == judge_classes.index(name)).mean())
            for name, images in images_of.items()}


def judge_run(run: Path, judge, judge_classes: list[str], n: int) -> dict[str, float]:
    """Each class's share of `sample --class K --n n` (seed 0, EMA) that the judge reads as K."""
    loaded = load_run(run, ema=True, needs="latents")
    generator, names = loaded.generator, loaded.conditions.names()
    return accuracy_by_class(judge, {name: sample(generator, n=n, seed=0, labels=name) for name in names},
                             judge_classes)


def trained_steps(run: Path) -> int | None:
    """The last step the run logged (log.jsonl, every train.log_every steps), None when none."""
    log = run / "log.jsonl"
    lines = log.read_text().splitlines() if log.exists() else []
    steps = [json.loads(line).get("step") for line in lines if line.strip()]
    return max((s for s in steps if s is not None), default=None)


def summary(per_class: dict[str, float]) -> str:
    values = list(per_class.values())
    worst = min(per_class, key=per_class.get)
    return (f"overall {np.mean(values):.3f}, lowest class {worst} {per_class[worst]:.3f}; per class: "
            + "  ".join(f"{k} {v:.2f}" for k, v in per_class.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the data, judge, run and result.json")
    parser.add_argument("--preset", default="cdcgan-folder")
    parser.add_argument("--data", default="folder", help="folder (digits written here) or builtin:digits")
    parser.add_argument("--run", type=Path, default=None, help="judge this run instead of training one")
    parser.add_argument("--n", type=int, default=200, help="samples per class")
    parser.add_argument("--per-class", type=int, default=1000, help="images of the largest class in each folder")
    parser.add_argument("--elastic", type=float, default=0.0,
                        help="elastic distortion of the written digits, px (benchmarks/digit_folder.py)")
    parser.add_argument("overrides", nargs="*", help="key=value overrides for the training command")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    result: dict = {"command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]), "preset": args.preset}
    if args.data == "folder":
        train_folder, judge_folder = make_folders(args.work, args.per_class, args.elastic)
        judge_dir = args.work / "judge"
        if not (judge_dir / "evaluator.json").exists():
            result["judge_training"] = timed([*GANFORGE, "evaluator", "train", "--data", str(judge_folder),
                                              "--out", str(judge_dir), "--seed", "0", "--epochs", str(JUDGE_EPOCHS)])
        judge = build_features(str(judge_dir))
        data_path = str(train_folder)
    else:
        judge = build_features("digits")
        data_path = args.data
    judge_classes = [str(c) for c in judge.meta["classes"]]
    result["judge_val_accuracy"] = judge.meta.get("val_accuracy")
    if args.data == "folder":
        real = {name: folder_images(train_folder, name) for name in judge_classes}
        result["judge_on_generator_data"] = accuracy_by_class(judge, real, judge_classes)
        print("judge on the generator's real images (source digits it never saw): "
              + summary(result["judge_on_generator_data"]), flush=True)
    run = args.run
    if run is None:
        run = args.work / "run"
        result["training"] = timed([*GANFORGE, "train", args.preset, f"data.path={data_path}",
                                    "--run-dir", str(run), *args.overrides])
        print(f"training: {result['training']['wall_s']:.0f} s wall, {result['training']['cpu_s']:.0f} s CPU, "
              f"load {result['training']['load_before']} before, {result['training']['load_after']} after", flush=True)
    result["run"] = str(run)
    result["steps"] = trained_steps(run)
    result["generated"] = generated = judge_run(run, judge, judge_classes, args.n)
    result["overall"] = float(np.mean(list(generated.values())))
    result["lowest"] = float(min(generated.values()))
    print(f"judge on {args.n} samples per class of {run} ({result['steps']} steps): " + summary(generated))
    (args.work / "result.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
