"""Precision and recall of `ganforge data filter` on folders with a known share of irrelevant images.

A pool of built-in images is written as PNGs and embedded once by each backbone (the real FID
Inception and EfficientNet-Lite0, the filter's `--features`): 300 `builtin:shapes` images (0-299) and 50 `builtin:digits`.
Each mix is then scored with the filter's own function (`ganforge.curation.scoring.score`,
the call `data filter` makes) for 20 and 100 --like examples drawn from images not in the mix,
over three draws of the examples (mean, and the lowest of the three):

- digits in shapes: SRC = shapes 100-249 and the 50 digits (25% irrelevant); --like from shapes 0-99;
- stars in shapes: wanted are circles, squares, triangles and crosses; SRC = shapes 150-299
  (its stars irrelevant, about 20%); --like from the wanted shapes among 0-149; once without
  and once with --unlike 20 stars from 0-149.

"PU logistic" is the alternative the filter was compared with: a logistic regression (C=0.001,
standardised inputs) of the --like examples against SRC as unlabelled negatives, cross-fitted
over five folds, with the same threshold rule. The subject-size rows give how often
--min-subject 0.17 keeps a large shape (0.5 of the width) and drops a small one (0.3).

    python benchmarks/filter_precision.py [--features inception,efficientnet-lite0]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from ganforge.curation.backbones import build_backbone
from ganforge.curation.embed import embed_source
from ganforge.curation.scoring import keep_threshold, normalised, score
from ganforge.data import open_source
from ganforge.metrics.cache import FeatureCache

SHAPES, DIGITS = 300, 50
DRAWS = 3
RECALL = 0.9
MIN_SUBJECT = 0.17


def write_pool(root: Path) -> None:
    shapes, digits = open_source("builtin:shapes"), open_source("builtin:digits")
    for i in range(SHAPES):
        a = shapes.attributes[i]
        shapes.image(i).save(root / f"s{i:03d}_{a['shape']}_{a['size']}.png")
    for i in range(DIGITS):
        digits.image(i).convert("RGB").save(root / f"d{i:03d}.png")


def pu_logistic(source: np.ndarray, like: np.ndarray, seed: int) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rows = normalised(np.concatenate([like, source]))
    labels = np.r_[np.ones(len(like)), np.zeros(len(source))]
    folds = np.random.default_rng(seed).permutation(len(rows)) % 5
    scores = np.empty(len(rows))
    for fold in range(5):
        train = folds != fold
        weights = np.where(labels[train] == 1, 1 / labels[train].sum(), 1 / (1 - labels[train]).sum())
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.001, max_iter=2000))
        model.fit(rows[train], labels[train], logisticregression__sample_weight=weights * train.sum())
        scores[~train] = model.decision_function(rows[~train])
    return scores[len(like):], keep_threshold(scores[: len(like)], RECALL)


def precision_recall(kept: np.ndarray, wanted: np.ndarray) -> tuple[float, float]:
    hits = (kept & wanted).sum()
    return hits / max(1, kept.sum()), hits / wanted.sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", default="inception,efficientnet-lite0", help="backbones, comma-separated")
    parser.add_argument("--cache", type=Path, help="keep the pool's features here for a rerun (default: none)")
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    with tempfile.TemporaryDirectory() as work:
        pool = Path(work) / "pool"
        pool.mkdir()
        write_pool(pool)
        source = open_source(pool)
        for features in args.features.split(","):
            started = time.perf_counter()
            embedded = embed_source(source, build_backbone(features), FeatureCache(root=args.cache or Path(work)),
                                    progress=False)
            seconds = time.perf_counter() - started
            print(f"\n{features}: embedded {len(embedded.indices)} images in {seconds:.0f} s "
                  f"({len(embedded.indices) / seconds:.2f} images/s, {torch.get_num_threads()} threads, "
                  f"{platform.processor() or platform.machine()})")
            report(source, embedded)


def report(source, embedded) -> None:
    names = [source.relatives[i] for i in embedded.indices]
    index = np.array([int(n[1:4]) for n in names])
    is_digit = np.array([n.startswith("d") for n in names])
    kind = np.array(["digit" if d else n.split("_")[1] for n, d in zip(names, is_digit, strict=True)])
    features = embedded.embedding

    mixes = {
        "digits in shapes": (~is_digit & (index >= 100) & (index < 250) | is_digit, ~is_digit,
                             ~is_digit & (index < 100), None),
        "stars in shapes": (~is_digit & (index >= 150), (kind != "star") & ~is_digit,
                            (kind != "star") & ~is_digit & (index < 150), None),
        "stars in shapes, --unlike 20": (~is_digit & (index >= 150), (kind != "star") & ~is_digit,
                                         (kind != "star") & ~is_digit & (index < 150),
                                         (kind == "star") & (index < 150)),
    }
    print("| mix | irrelevant | --like | filter precision | filter recall | PU logistic precision | PU recall |")
    print("|---|---|---|---|---|---|---|")
    for name, (in_mix, wanted_mask, like_pool, unlike_pool) in mixes.items():
        mix = np.flatnonzero(in_mix)
        wanted = wanted_mask[mix]
        for count in (20, 100):
            ours, theirs = [], []
            for draw in range(DRAWS):
                rng = np.random.default_rng(draw)
                like = rng.choice(np.flatnonzero(like_pool), count, replace=False)
                unlike = rng.choice(np.flatnonzero(unlike_pool), 20, replace=False) if unlike_pool is not None else None
                scored = score(features[mix], features[like], None if unlike is None else features[unlike], RECALL)
                ours.append(precision_recall(scored.source >= scored.threshold, wanted))
                if unlike is None:
                    pu_scores, pu_threshold = pu_logistic(features[mix], features[like], draw)
                    theirs.append(precision_recall(pu_scores >= pu_threshold, wanted))
            ours_arr = np.array(ours)
            pu = "| — | —" if not theirs else "| {:.3f} | {:.3f}".format(*np.array(theirs).mean(0))
            print(f"| {name} ({len(mix)} images) | {1 - wanted.mean():.0%} | {count} | "
                  f"{ours_arr[:, 0].mean():.3f} (min {ours_arr[:, 0].min():.3f}) | "
                  f"{ours_arr[:, 1].mean():.3f} (min {ours_arr[:, 1].min():.3f}) {pu} |")
    large = np.array([n.endswith("_large.png") for n in names]) & ~is_digit
    small = np.array([n.endswith("_small.png") for n in names]) & ~is_digit
    share = embedded.subject
    print(f"\nsubject share, shapes: small median {np.median(share[small]):.3f}, large median "
          f"{np.median(share[large]):.3f}; --min-subject {MIN_SUBJECT}: keeps {(share[large] >= MIN_SUBJECT).mean():.1%}"
          f" of {large.sum()} large, drops {(share[small] < MIN_SUBJECT).mean():.1%} of {small.sum()} small")
    cuts = np.round(np.arange(0.05, 0.40, 0.01), 2)
    balanced = [((share[large] >= c).mean() + (share[small] < c).mean()) / 2 for c in cuts]
    best = cuts[int(np.argmax(balanced))]
    print(f"best cut {best:.2f}: keeps {(share[large] >= best).mean():.1%} of large, drops "
          f"{(share[small] < best).mean():.1%} of small")


if __name__ == "__main__":
    main()
