"""Outliers: images far from their neighbours in a small feature space (8x8 RGB thumbnails).

Thumbnails are reduced by PCA and scored with the Local Outlier Factor (Breunig et al. 2000):
a score near 1 is an ordinary image, above `LOF_THRESHOLD` one unlike its neighbourhood —
a blank frame, a screenshot, a photo of something else.
"""

from __future__ import annotations

import numpy as np

from ganforge.audit.base import AuditContext, Check, Finding, counted
from ganforge.audit.sheets import contact_sheet
from ganforge.report import html

MIN_IMAGES = 30
NEIGHBOURS = 20
COMPONENTS = 16
LOF_THRESHOLD = 2.0  # scikit-learn's "auto" cut is 1.5; 2.0 names fewer, clearer cases
MAX_FLAGGED = 0.01  # at most this share of the set is listed, the highest scores first
SHOWN = 24


def lof_scores(features: np.ndarray) -> np.ndarray:
    """Local Outlier Factor of each row (1 ~ inlier) after PCA to at most COMPONENTS dimensions."""
    from sklearn.decomposition import PCA
    from sklearn.neighbors import LocalOutlierFactor

    components = min(COMPONENTS, features.shape[1], len(features) - 1)
    reduced = PCA(n_components=components, random_state=0).fit_transform(features)
    lof = LocalOutlierFactor(n_neighbors=min(NEIGHBOURS, len(features) - 1))
    lof.fit(reduced)
    return -lof.negative_outlier_factor_


def compute(ctx: AuditContext) -> Finding | None:
    seen, indices = set(), []
    for f in ctx.scan.facts:  # one image per content: copies would be each other's neighbours
        if f.readable and f.sha256 not in seen:
            seen.add(f.sha256)
            indices.append(f.index)
    if len(indices) < MIN_IMAGES:
        return None
    features = np.stack([ctx.scan.facts[i].thumb for i in indices]).astype(np.float32) / 255
    scores = lof_scores(features)
    order = np.argsort(-scores)
    limit = max(1, int(MAX_FLAGGED * len(indices)))
    flagged = [indices[k] for k in order[:limit] if scores[k] > LOF_THRESHOLD]
    score_of = {indices[k]: float(scores[k]) for k in range(len(indices))}
    recommendations = []
    if flagged:
        recommendations.append(
            f"{counted(len(flagged), 'image')} standing apart from the rest (e.g. {ctx.name(flagged[0])}, outlier score "
            f"{score_of[flagged[0]]:.1f}): look at them on the contact sheet; drop those that do not belong "
            "(--drop outliers).")
    data = {"features": "8x8 RGB thumbnail, PCA, local outlier factor", "threshold": LOF_THRESHOLD,
            "outliers": [{"file": ctx.name(i), "score": score_of[i]} for i in flagged]}
    summary = f"{counted(len(flagged), 'image')} with an outlier score above {LOF_THRESHOLD}"
    return Finding(summary, data, recommendations, {"outliers": flagged}, problem=bool(flagged))


def render(finding: Finding, ctx: AuditContext) -> str:
    outliers = finding.data["outliers"]
    if not outliers:
        return "<p>No image stands apart from its neighbours.</p>"
    index_of = {name: i for i, name in enumerate(ctx.scan.names)}
    shown = outliers[:SHOWN]
    sheet = contact_sheet(ctx.scan.source, [index_of[o["file"]] for o in shown])
    caption = ", ".join(f"{o['file']} ({o['score']:.1f})" for o in shown)
    return html.figure(html.image(sheet, "outliers"), caption)


CHECK = Check("Outliers", compute, render)
