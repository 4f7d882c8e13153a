"""The demo's metrics table: the generator against real digits the digits evaluator never saw,
next to the real-vs-real floor; with Inception FID/KID too when its weights are installed.

The real images are the evaluator's held-out validation split, cut into two disjoint halves:
the generator is compared with half A, and half B with half A gives the floor. KID is the raw
unbiased MMD² (not ×10³), the unit `ganforge eval` prints.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REAL = "builtin:digits"
DOMAIN_FEATURES = "digits"  # the shipped evaluator: ImageNet features say little about 32x32 digits
KID_SUBSET_SIZE = 100
ROWS = {
    DOMAIN_FEATURES: (("fid", "FID (digits features)"), ("kid_mean", "KID (digits features)"),
                      ("precision", "precision"), ("recall", "recall")),
    "inception": (("fid", "FID (Inception)"), ("kid_mean", "KID (Inception)")),
}  # fmt: skip
METRICS = {DOMAIN_FEATURES: "fid,kid,pr", "inception": "fid,kid"}


def held_out_halves(root: Path) -> tuple[Path, Path]:
    """The digits evaluator's held-out validation images as two disjoint seeded PNG folders."""
    from ganforge.data import open_source
    from ganforge.evaluators.dataset import disjoint_halves, indices_digest, stratified_split
    from ganforge.metrics.features import build_features

    meta = build_features(DOMAIN_FEATURES).meta
    source = open_source(REAL, labels=True)
    import torch

    _, held_out = stratified_split(torch.tensor(source.labels), meta["split"]["val_fraction"], meta["split"]["seed"])
    assert indices_digest(held_out) == meta["split"]["val_indices_sha256"], "digits split changed"
    halves = (root / "real_a", root / "real_b")
    for half, positions in zip(halves, disjoint_halves(len(held_out), meta["split"]["seed"]), strict=True):
        half.mkdir()
        for index in held_out[positions].tolist():
            source.image(index).save(half / f"{index:05d}.png")
    return halves


def inception_available() -> bool:
    from ganforge.metrics.weights import WEIGHTS_ENV, installed_weights

    return bool(os.environ.get(WEIGHTS_ENV)) or installed_weights() is not None


def demo_metrics(run_dir: Path) -> dict[str, dict[str, dict]]:
    """{features: {"generator": result, "floor": result}}, both against the same held-out half."""
    from ganforge.metrics.evaluate import evaluate
    from ganforge.runs import evaluation_source

    extractors = [DOMAIN_FEATURES] + (["inception"] if inception_available() else [])
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        real_a, real_b = held_out_halves(Path(tmp))
        n = sum(1 for _ in real_b.iterdir())
        for features in extractors:
            common = {"real": str(real_a), "metrics": METRICS[features], "features": features, "n": n,
                      "kid_subset_size": min(KID_SUBSET_SIZE, n), "cache": False, "device": "cpu"}  # fmt: skip
            results[features] = {"generator": evaluate(fake=evaluation_source(str(run_dir)), **common),
                                 "floor": evaluate(fake=str(real_b), **common)}  # fmt: skip
    return results


def print_demo_metrics(run_dir: Path) -> dict[str, dict[str, dict]]:
    results = demo_metrics(run_dir)
    n = results[DOMAIN_FEATURES]["generator"]["protocol"]["n_real"]
    print(f"\nmetrics vs {n} real digits the digits evaluator never saw (held-out split; KID as raw MMD²)")
    print(f"{'metric':<24}{'generator':>12}{'real-vs-real floor':>22}")
    for features, rows in ROWS.items():
        if features not in results:
            continue
        generator, floor = results[features]["generator"], results[features]["floor"]
        for key, label in rows:
            print(f"{label:<24}{generator[key]:>12.4g}{floor[key]:>22.4g}")
    if "inception" not in results:
        print("Inception FID/KID: weights not installed (`ganforge weights install inception`)")
    return results
