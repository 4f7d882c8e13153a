"""The demo's metrics table: the generator against real digits, next to the real-vs-real floor."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

REAL = "builtin:digits"
FEATURES = "digits"  # the shipped domain evaluator: ImageNet features say little about 32x32 digits
METRICS = ("fid", "kid", "pr")
KID_SUBSET_SIZE = 500
ROWS = (("fid", "FID (digits features)"), ("kid_mean", "KID x 1000"), ("precision", "precision"), ("recall", "recall"))


def _write_halves(root: Path, seed: int = 0) -> tuple[Path, Path]:
    """Two disjoint seeded halves of the real digits as PNG folders."""
    from ganforge.data import open_source

    source = open_source(REAL)
    order = np.random.RandomState(seed).permutation(len(source))
    halves = (root / "real_a", root / "real_b")
    for half in halves:
        half.mkdir()
    for rank, index in enumerate(order):
        image = source.image(int(index))
        image.save(halves[rank % 2] / f"{index:05d}.png")
    return halves


def demo_metrics(run_dir: Path) -> dict[str, dict]:
    """{"generator": result, "floor": result}: both against the same half of the real digits."""
    from ganforge.metrics.evaluate import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        real_a, real_b = _write_halves(Path(tmp))
        n = sum(1 for _ in real_b.iterdir())
        common = {"real": str(real_a), "metrics": METRICS, "features": FEATURES, "n": n,
                  "kid_subset_size": KID_SUBSET_SIZE, "cache": False}
        generator = evaluate(fake=str(run_dir), **common)
        floor = evaluate(fake=str(real_b), **common)
    return {"generator": generator, "floor": floor}


def print_demo_metrics(run_dir: Path) -> dict[str, dict]:
    results = demo_metrics(run_dir)
    generator, floor = results["generator"], results["floor"]
    n = generator["protocol"]["n_real"]
    print(f"\nmetrics vs {REAL} ({n} real images; features: shipped digits evaluator)")
    print(f"{'metric':<24}{'generator':>12}{'real-vs-real floor':>22}")
    for key, label in ROWS:
        scale = 1000 if key == "kid_mean" else 1
        print(f"{label:<24}{generator[key] * scale:>12.3f}{floor[key] * scale:>22.3f}")
    return results
