"""Tiny training configs shared by the training tests (seconds on a CPU)."""

TINY = {
    "model.g.width": 4,
    "model.d.width": 4,
    "model.z_dim": 8,
    "train.batch_size": 8,
    "train.log_every": 1,
    "train.sample_every": 1000,
    "train.sample_grid": 4,
    "data.max_images": 64,
}


def tiny_overrides(**extra) -> dict:
    return {**TINY, **{key.replace("__", "."): value for key, value in extra.items()}}


def as_cli(overrides: dict) -> list[str]:
    return [f"{key}={value}" for key, value in overrides.items()]
