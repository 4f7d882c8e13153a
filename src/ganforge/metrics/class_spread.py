"""Spread within each condition (`cdiv`): how much of each class's real images the generated
images of that class reach, in the domain evaluator's features.

For every class k, with the generated features F_k and the real features R_k of that class:

- recall (Kynkäänniemi et al. 2019, k = 3): the share of R_k inside some generated image's
  k-NN ball; a generator that draws one picture per class scores about 0;
- coverage (Naeem et al. 2020, k = 5): the share of R_k whose own k-NN ball holds a generated
  image; more robust to outliers among the fakes.

`class_recall` / `class_coverage` are the means over classes. Beside them, the same numbers
for two reference "generators" drawn from the real images of each class:

- `_real` (the ceiling): one seeded half of R_k against the other half, as `--floor` does for
  the unconditional metrics (at half the sample size, so a slight underestimate);
- `_one_image` (the floor): one real image of the class repeated, what a generator that
  ignores its noise draws.

Class accuracy says each class is drawn as itself; these say whether it is drawn in all its
variety.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganforge.errors import UserError
from ganforge.metrics.floor import real_halves
from ganforge.metrics.prdc import density_coverage, precision_recall

RECALL_K = 3  # Kynkäänniemi et al.'s k
COVERAGE_K = 5  # Naeem et al.'s k
KEYS = ("class_recall", "class_coverage")


def spread(fake: np.ndarray, real: np.ndarray) -> tuple[float, float]:
    """(recall, coverage) of one class's generated features [N1,d] against its real ones [N2,d]."""
    _, recall = precision_recall(fake, real, k=RECALL_K)
    _, coverage = density_coverage(fake, real, k=COVERAGE_K)
    return recall, coverage


def _named(values: tuple[float, float], suffix: str = "") -> dict[str, float]:
    return {f"{key}{suffix}": value for key, value in zip(KEYS, values, strict=True)}


def class_spread(fake: dict[int, np.ndarray], real: dict[int, np.ndarray], names: list[str],
                 seed: int) -> dict[str, Any]:
    """{"class_recall", "class_coverage", their "_per_class", "_real" and "_one_image" values}
    of per-class generated and real features (dicts keyed by class index)."""
    needed = 2 * COVERAGE_K + 2  # each real half holds more than k images
    short = {names[k]: len(real.get(k, ())) for k in fake if len(real.get(k, ())) < needed}
    short |= {names[k]: len(v) for k, v in fake.items() if len(v) <= COVERAGE_K}
    if short:
        raise UserError(f"cdiv: too few images of classes {short} (at least {needed} real and "
                        f"{COVERAGE_K + 1} generated per class); raise --n")
    rows: dict[str, dict[str, float]] = {}
    for k in sorted(fake):
        half_a, half_b = real_halves(len(real[k]), seed)
        one = np.repeat(real[k][half_b[:1]], len(half_b), axis=0)
        rows[names[k]] = {
            **_named(spread(fake[k], real[k])),
            **_named(spread(real[k][half_b], real[k][half_a]), "_real"),
            **_named(spread(one, real[k][half_a]), "_one_image"),
        }
    result: dict[str, Any] = {}
    for key in next(iter(rows.values())):
        result[key] = float(np.mean([row[key] for row in rows.values()]))
    for key in KEYS:
        result[f"{key}_per_class"] = {name: row[key] for name, row in rows.items()}
    return result
