"""The models `model.name` may name and what a config may say of each: its default loss,
resolutions, options and which tasks may use it (`ganforge.models` builds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModelChoice:
    name: str
    default_loss: str  # applied when the config leaves loss.name unset
    resolutions: tuple[int, ...] | None = None  # None: any resolution
    conditional: bool = False  # accepts class labels
    built_by_task: bool = False  # only the task whose `TaskChoice.model_name` names it builds it
    needs_condition: bool = False  # built to fuse a condition (text or class) into G; unconditional tasks refuse it
    # D options this model honours, with its own defaults (others are a config error).
    d_options: dict[str, bool] = field(default_factory=dict)
    g_options: dict[str, bool] = field(default_factory=dict)  # the same for `model.g.<name>`
    # `model.g.width: auto`: (largest resolution, width) pairs, the first that fits is taken;
    # empty: this model needs a number
    auto_g_widths: tuple[tuple[int, int], ...] = ()

    def check_resolution(self, resolution: int) -> None:
        """Raise ValueError (worded for the config layer) if this model cannot build `resolution`."""
        if self.resolutions is not None and resolution not in self.resolutions:
            allowed = ", ".join(str(r) for r in self.resolutions)
            raise ValueError(
                f"data.resolution: {resolution} is not supported by model {self.name!r}; allowed: {allowed}"
            )

    def g_width(self, cfg: Any, resolution: int) -> int:
        """`model.g.width`, with "auto" settled by the training resolution."""
        if cfg.g.width != "auto":
            return cfg.g.width
        return next(width for largest, width in self.auto_g_widths if resolution <= largest)

    def d_option(self, cfg: Any, name: str) -> bool:
        """The value of `model.d.<name>`: as configured, else this model's default."""
        value = getattr(cfg.d, name)
        return self.d_options[name] if value is None else value

    def g_option(self, cfg: Any, name: str) -> bool:
        """The value of `model.g.<name>`: as configured, else this model's default."""
        value = getattr(cfg.g, name, None)
        return self.g_options[name] if value is None else value


MODEL_CHOICES: dict[str, ModelChoice] = {
    model.name: model
    for model in (
        ModelChoice("dcgan", "nonsaturating", (32, 64, 128), conditional=True,
                    d_options={"batchnorm": True, "spectral_norm": False}),
        ModelChoice("dfgan", "hinge", (32, 64, 128, 256), conditional=True, needs_condition=True,
                    g_options={"coords": False}),
        ModelChoice("fastgan", "hinge", (64, 128, 256, 512)),
        ModelChoice("gancls", "nonsaturating", (32, 64, 128), built_by_task=True),
        ModelChoice("mlp", "nonsaturating", d_options={"spectral_norm": False}),
        # FastGAN's G at width 8 beat 16 at 32 px in 10 CPU-minutes, and stalled at 64 (docs/BENCHMARKS.md)
        ModelChoice("projected", "hinge", (32, 64, 128, 256, 512), conditional=True, auto_g_widths=((32, 8), (512, 16))),
        ModelChoice("resnet", "hinge", (32, 64, 128), conditional=True, d_options={"minibatch_std": False},
                    g_options={"hierarchical_z": False}),
    )
}
