"""How much each image looks like the --like examples: a k-nearest-neighbour score on frozen embeddings.

An image's score is its mean cosine similarity to its NEIGHBOURS nearest --like examples;
with --unlike examples, minus the same towards them (a k-NN classifier's margin). The keep
threshold comes from the --like set itself: each example is scored against the others
(leave-one-out, as an unseen wanted image would be), and the threshold is the highest that keeps at
least `recall` of them. Measured against a logistic regression that takes the source's own images as
unlabelled negatives (positive-unlabelled learning): with 20 examples that kept more
irrelevant images or lost more wanted ones; with 100 the two were even
(benchmarks/filter_precision.py, docs/REPORTS.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NEIGHBOURS = 3  # 1 follows single odd examples, 10 blurs small classes; 3 measured best at 20 and 100


@dataclass
class Scores:
    source: np.ndarray  # [N] score of each source row
    like: np.ndarray  # [P] leave-one-out score of each --like example
    unlike: np.ndarray  # [Q] score of each --unlike example against the --like set (may be empty)
    threshold: float  # keep a source row whose score is at least this


def normalised(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float64), so dot products are cosine similarities."""
    rows = rows.astype(np.float64)
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def nearest_similarity(queries: np.ndarray, examples: np.ndarray, leave_one_out: bool = False) -> np.ndarray:
    """[N] mean cosine similarity of each unit row of `queries` to its NEIGHBOURS nearest `examples`.

    With `leave_one_out`, queries are the examples themselves and each skips its own row.
    """
    similarity = queries @ examples.T
    if leave_one_out:
        np.fill_diagonal(similarity, -np.inf)
    k = min(NEIGHBOURS, len(examples) - int(leave_one_out))
    if k < 1:  # a single example left out has no neighbour
        return np.zeros(len(queries))
    return np.sort(similarity, axis=1)[:, -k:].mean(axis=1)


def keep_threshold(example_scores: np.ndarray, recall: float) -> float:
    """The highest threshold that keeps at least `recall` of the examples (all of them when recall is 1)."""
    needed = max(1, math.ceil(recall * len(example_scores) - 1e-9))
    return float(np.sort(example_scores)[len(example_scores) - needed])


def score(source: np.ndarray, like: np.ndarray, unlike: np.ndarray | None = None, recall: float = 0.9) -> Scores:
    """Scores of `source` [N,d] against `like` [P,d] (P >= 2) and `unlike` [Q,d]; the threshold keeping `recall`."""
    source, like = normalised(source), normalised(like)
    unlike = normalised(unlike) if unlike is not None and len(unlike) else np.zeros((0, like.shape[1]))
    source_scores = nearest_similarity(source, like) - nearest_similarity(source, unlike)
    like_scores = nearest_similarity(like, like, leave_one_out=True) - nearest_similarity(like, unlike)
    unlike_scores = nearest_similarity(unlike, like) - nearest_similarity(unlike, unlike, leave_one_out=True)
    threshold = keep_threshold(like_scores, recall)
    return Scores(source_scores, like_scores, unlike_scores, threshold)
