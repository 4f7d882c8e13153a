"""Latents, images from a generator, and latent-space interpolation."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch
from torch import Tensor, nn

from ganforge.conditions import LabelsArg, conditions_of
from ganforge.errors import UserError

SEED_RANGE = (0, 2**63 - 1)  # what torch.Generator.manual_seed takes without wrapping


def check_seed(seed: int, flag: str = "--seed") -> int:
    if not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
        raise UserError(f"{flag} {seed}: expected an integer from 0 to 2**63-1")
    return seed


def check_truncation(truncation: float | None, flag: str = "--truncation") -> float | None:
    if truncation is not None and not (math.isfinite(truncation) and truncation > 0):
        raise UserError(f"{flag} {truncation}: expected a positive finite number (e.g. 0.7)")
    return truncation


def truncated_normal(n: int, z_dim: int, bound: float, generator: torch.Generator) -> Tensor:
    """[n, z_dim] normal draws conditioned on |z| <= bound, by the inverse CDF: no redraw loop.

    z = sqrt(2) erfinv(u), u uniform on [-erf(b/sqrt2), erf(b/sqrt2)], in float64 so that tiny
    bounds (erf(x) ~ 2x/sqrt(pi)) keep their precision.
    """
    edge = math.erf(bound / math.sqrt(2))
    u = (torch.rand(n, z_dim, generator=generator, dtype=torch.float64) * 2 - 1) * edge
    z = math.sqrt(2) * torch.erfinv(u)
    return z.clamp(-bound, bound).float()


def latents(n: int, z_dim: int, seed: int, truncation: float | None = None) -> Tensor:
    """[n, z_dim] standard-normal latents from a private CPU generator (same on every device).

    With `truncation`, they follow the normal truncated to ±truncation (the truncation trick,
    Brock 2018 §3.1), sampled directly rather than by redrawing.
    """
    generator = torch.Generator().manual_seed(check_seed(seed, "seed"))
    if check_truncation(truncation, "truncation") is not None:
        return truncated_normal(n, z_dim, truncation, generator)
    return torch.randn(n, z_dim, generator=generator)


def to_uint8(images: Tensor) -> Tensor:
    """[-1,1] float [N,C,H,W] -> uint8, as METRICS.md §2: round(clamp((x+1)*127.5, 0, 255))."""
    return ((images.float() + 1) * 127.5).clamp(0, 255).round().to(torch.uint8)


def _device_of(module: nn.Module) -> torch.device:
    parameter = next(module.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def num_classes(generator: nn.Module) -> int:
    """Classes a generator is conditioned on (0: none)."""
    return conditions_of(generator).num_classes


def class_labels(generator: nn.Module, n: int, seed: int, labels: LabelsArg = None, proportions: str = "data") -> Tensor | None:
    """[n] int64 labels for a class-conditional generator (see `ClassConditions.draw`), None for
    one that takes no classes (which refuses `labels`)."""
    conditions = conditions_of(generator)
    if "class" not in conditions.takes:
        return conditions.draw(n, seed, labels, proportions) if labels is not None else None
    return conditions.draw(n, seed, labels, proportions)


@torch.inference_mode()
def generate_from_latents(
    generator: nn.Module, z: Tensor, batch_size: int = 64, labels: Tensor | None = None
) -> Iterator[Tensor]:
    """Yields uint8 [B,C,H,W] CPU batches for the rows of `z` (and `labels`, if conditional)."""
    device = _device_of(generator)
    for start in range(0, len(z), batch_size):
        z_batch = z[start : start + batch_size].to(device)
        if labels is None:  # G(z) alone: unconditional generators from elsewhere take only z
            yield to_uint8(generator(z_batch)).cpu()
        else:
            yield to_uint8(generator(z_batch, labels[start : start + batch_size].to(device))).cpu()


def generate_uint8(
    generator: nn.Module,
    n: int,
    seed: int = 0,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    truncation: float | None = None,
    labels: LabelsArg = None,
    proportions: str = "data",
) -> Iterator[Tensor]:
    """Streams `n` generated images as uint8 [B,C,H,W] batches; the images do not depend on batch_size.

    A conditional generator gets `labels` as `class_labels` makes them.
    """
    if device is not None:
        generator = generator.to(device)
    z = latents(n, generator.z_dim, seed, truncation)
    return generate_from_latents(generator, z, batch_size, drawn_conditions(generator, n, seed, labels, proportions))


def drawn_conditions(
    generator: nn.Module, n: int, seed: int, labels: LabelsArg = None, proportions: str = "data",
) -> Tensor | None:
    """What `n` seeded samples are conditioned on, as the generator's conditions draw it."""
    return conditions_of(generator).draw(n, seed, labels, proportions)


def prompt_images(generator: nn.Module, prompts: Sequence[str], per_prompt: int, seed: int,
                  truncation: float | None = None) -> Tensor:
    """uint8 [len(prompts)·per_prompt, C,H,W]: `per_prompt` images per prompt, prompt by prompt;
    image k of every prompt shares latent k, so the rows differ only by their words."""
    conditions = conditions_of(generator)
    if "prompt" not in conditions.takes:
        raise ValueError("this generator takes no text prompts")
    if not prompts:
        raise ValueError("prompts: expected at least one prompt")
    z = latents(per_prompt, generator.z_dim, seed, truncation).repeat(len(prompts), 1)
    e = conditions.encode(prompts).cpu().repeat_interleave(per_prompt, dim=0)
    return torch.cat(list(generate_from_latents(generator, z, labels=e)))


def sample(
    generator: nn.Module,
    n: int | None = None,
    seed: int = 0,
    truncation: float | None = None,
    labels: LabelsArg = None,
    prompts: Sequence[str] | None = None,
) -> Tensor:
    """uint8 [N,C,H,W] images from `n` (default 64) seeded latents; `labels` (class index, name
    or one per image) for a class-conditional generator, else drawn in the data's class
    proportions. With `prompts` (text-to-image generators), `n` images (default 1) per prompt."""
    if prompts is not None:
        return prompt_images(generator, list(prompts), 1 if n is None else n, seed, truncation)
    n = 64 if n is None else n
    return torch.cat(list(generate_uint8(generator, n, seed, truncation=truncation, labels=labels)))


def slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation between rows of a and b at fractions t [T] -> [T, ...] (Shoemake 1985)."""
    a_unit, b_unit = a / a.norm(), b / b.norm()
    omega = torch.acos((a_unit * b_unit).sum().clamp(-1 + 1e-7, 1 - 1e-7))
    sin_omega = torch.sin(omega)
    t = t.view(-1, *([1] * a.dim()))
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / sin_omega


def interpolation_latents(z_dim: int, steps: int, rows: int, seed: int) -> Tensor:
    """[rows*steps, z_dim]: each row walks by slerp from one seeded latent to another."""
    ends = latents(2 * rows, z_dim, seed)
    t = torch.linspace(0, 1, steps)
    return torch.cat([slerp(ends[2 * r], ends[2 * r + 1], t) for r in range(rows)])
