"""What `evaluate` checks before reading a single image: every mistake costs seconds, not hours."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ganforge.errors import UserError
from ganforge.metrics.inputs import EvaluationInput, StatsInput, open_input
from ganforge.metrics.kid import subset_size_for
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
    floor: bool = False,
) -> EvaluationInput | None:
    """The real side, or None when nothing asked for needs one (IS without --floor)."""
    needing = [spec.name for spec in specs if spec.needs_real]
    if not needing and not floor:
        return None
    if real is None:
        raise UserError(f"--real: required by {'--floor' if floor else 'metric(s) ' + ', '.join(needing)}")
    opened = open_input(real, n, seed, device=device, exif_orientation=exif_orientation)
    if floor and isinstance(opened, StatsInput):
        raise UserError(f"--real {real}: --floor needs real images, not statistics")
    return opened


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
    """The KID subset size to use (`kid.subset_size_for`), None without KID."""
    if not any(spec.name == "kid" for spec in specs):
        return None
    return subset_size_for(n_fake, n_real, size, allow_shrink)
