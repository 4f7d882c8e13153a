"""What `evaluate` checks before reading a single image: every mistake costs seconds, not hours."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ganforge.errors import UserError
from ganforge.metrics.inputs import EvaluationInput, StatsInput, open_input
from ganforge.metrics.registry import MetricSpec, resolve_metrics

# Metrics computed from fake statistics alone when no interval is asked for: O(d²) memory for any N.
FAKE_STATS_ENOUGH = frozenset({"fid"})


def metric_specs(metrics: Iterable[str] | str) -> list[MetricSpec]:
    """`"fid,kid"` or `["fid", "kid"]` -> registry specs; unknown names are a UserError."""
    names = metrics.split(",") if isinstance(metrics, str) else list(metrics)
    names = [name.strip() for name in names if name.strip()]
    if not names:
        raise UserError("--metrics: expected at least one metric name")
    return resolve_metrics(names)


def check_positive(**values: int) -> None:
    """`check_positive(batch_size=0)` -> UserError naming `--batch-size 0`."""
    for name, value in values.items():
        if value < 1:
            raise UserError(f"--{name.replace('_', '-')} {value}: expected a positive number")


def open_real(
    real: str | Path | None,
    specs: list[MetricSpec],
    n: int | None,
    seed: int,
    device: str,
    exif_orientation: bool = False,
) -> EvaluationInput | None:
    """The real side, or None when no metric asked for needs one (IS)."""
    needing = [spec.name for spec in specs if spec.needs_real]
    if not needing:
        return None
    if real is None:
        raise UserError(f"--real: required by metric(s) {', '.join(needing)}")
    return open_input(real, n, seed, device=device, exif_orientation=exif_orientation)


def check_statistics_inputs(
    specs: list[MetricSpec], fake: EvaluationInput, real: EvaluationInput | None, ci: bool
) -> None:
    """Statistics files serve FID only: as the reference, or on both sides without intervals."""
    if isinstance(real, StatsInput):
        blocked = [spec.name for spec in specs if spec.needs_real_features]
        if blocked:
            raise UserError(
                f"--real {real.spec}: a statistics file serves only fid; "
                f"{', '.join(blocked)} need real images"
            )
    if isinstance(fake, StatsInput):
        blocked = [spec.name for spec in specs if spec.name not in FAKE_STATS_ENOUGH]
        if blocked or ci:
            what = ", ".join(blocked) if blocked else "--ci"
            raise UserError(
                f"--fake {fake.spec}: a statistics file serves only fid without --ci; "
                f"{what} need images"
            )


def kid_subset_size(
    specs: list[MetricSpec], n_fake: int | None, n_real: int | None, size: int, allow_shrink: bool
) -> int | None:
    """The KID subset size to use, None without KID; a UserError when too few images and no shrink."""
    if not any(spec.name == "kid" for spec in specs):
        return None
    smaller = min(n_fake or 0, n_real or 0)
    if size <= smaller:
        return size
    if not allow_shrink:
        raise UserError(
            f"--kid-subset-size {size} is larger than the number of images (fake: {n_fake}, "
            f"real: {n_real}); pass --kid-subset-size {smaller} or less, or --kid-shrink"
        )
    return smaller
