"""Latents, images from a generator, and latent-space interpolation."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch
from torch import Tensor, nn

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
    """Classes a generator is conditioned on (0: unconditional)."""
    return int(getattr(generator, "num_classes", 0) or 0)


def class_labels(
    generator: nn.Module, n: int, seed: int, labels: int | str | Sequence[int] | Tensor | None = None,
    proportions: str = "data",
) -> Tensor | None:
    """[n] int64 labels for a conditional generator, None for an unconditional one.

    `labels`: None draws them (seeded) in the training data's class proportions
    (`proportions="data"`, from `generator.class_counts`) or uniformly (`"uniform"`); an int or
    a class name asks for one class; a sequence gives one label per image.
    """
    classes = num_classes(generator)
    if classes == 0:
        if labels is not None:
            raise ValueError("this generator is unconditional: it takes no class labels")
        return None
    if labels is None:
        counts = getattr(generator, "class_counts", None)
        weights = torch.ones(classes, dtype=torch.float64)
        if proportions == "data" and counts:
            weights = torch.tensor(counts, dtype=torch.float64)
        draw = torch.Generator().manual_seed(seed + 1)
        return torch.multinomial(weights, n, replacement=True, generator=draw)
    if isinstance(labels, (int, str)):
        labels = [class_index(generator, labels)] * n
    result = torch.as_tensor(labels, dtype=torch.int64).reshape(-1)
    if len(result) != n:
        raise ValueError(f"labels: expected {n} labels, got {len(result)}")
    if result.numel() and (int(result.min()) < 0 or int(result.max()) >= classes):
        raise ValueError(f"labels: class indices must lie in 0..{classes - 1}")
    return result


def class_index(generator: nn.Module, name_or_index: int | str) -> int:
    """A class given by index (an int or digits) or by name -> its index."""
    classes = num_classes(generator)
    names = list(getattr(generator, "class_names", None) or [])
    if isinstance(name_or_index, str) and name_or_index in names:
        return names.index(name_or_index)
    try:
        index = int(name_or_index)
    except ValueError:
        raise ValueError(
            f"class {name_or_index!r}: not a class of this generator; classes: {', '.join(names) or classes}"
        ) from None
    if not 0 <= index < classes:
        raise ValueError(f"class {index}: expected an index in 0..{classes - 1}")
    return index


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
    labels: int | str | Sequence[int] | Tensor | None = None,
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
    generator: nn.Module, n: int, seed: int, labels: int | str | Sequence[int] | Tensor | None = None,
    proportions: str = "data",
) -> Tensor | None:
    """What `n` seeded samples are conditioned on: prompt embeddings drawn from the run's
    captions (text generators), class labels (`class_labels`), or None (unconditional)."""
    if is_text_generator(generator):
        return drawn_prompt_embeddings(generator, n, seed)
    return class_labels(generator, n, seed, labels, proportions)


def is_text_generator(generator: nn.Module) -> bool:
    return getattr(generator, "text_encoder", None) is not None


def drawn_prompt_embeddings(generator: nn.Module, n: int, seed: int) -> Tensor:
    """Embeddings of `n` captions drawn (seeded, with replacement) from the run's training captions."""
    from ganforge.text.prompts import encode_prompts

    pool = getattr(generator, "prompt_pool", None)
    if not pool:
        raise ValueError("this generator is text-conditioned: give prompts")
    draw = torch.Generator().manual_seed(seed + 1)
    picks = torch.randint(0, len(pool), (n,), generator=draw).tolist()
    unique = sorted(set(picks))
    table = encode_prompts(generator, [pool[i] for i in unique]).cpu()
    row = {index: k for k, index in enumerate(unique)}
    return table[[row[i] for i in picks]]



def prompt_images(generator: nn.Module, prompts: Sequence[str], per_prompt: int, seed: int,
                  truncation: float | None = None) -> Tensor:
    """uint8 [len(prompts)·per_prompt, C,H,W]: `per_prompt` images per prompt, prompt by prompt;
    image k of every prompt shares latent k, so the rows differ only by their words."""
    from ganforge.text.prompts import encode_prompts

    if not is_text_generator(generator):
        raise ValueError("this generator takes no text prompts")
    if not prompts:
        raise ValueError("prompts: expected at least one prompt")
    z = latents(per_prompt, generator.z_dim, seed, truncation).repeat(len(prompts), 1)
    e = encode_prompts(generator, prompts).cpu().repeat_interleave(per_prompt, dim=0)
    return torch.cat(list(generate_from_latents(generator, z, labels=e)))


def sample(
    generator: nn.Module,
    n: int | None = None,
    seed: int = 0,
    truncation: float | None = None,
    labels: int | str | Sequence[int] | Tensor | None = None,
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
