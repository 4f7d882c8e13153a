"""What a sampling network is conditioned on, and how samples draw or parse it.

Each objective names its `Conditions` class (none, class labels, text prompts); a loaded run
and a network built for training carry an instance, so `sample`, `interpolate`, `eval` and the
CLI ask it instead of testing which task trained the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

LabelsArg = int | str | Sequence[int] | Tensor | None


class Conditions:
    """No conditions: samples come from latents alone."""

    takes: ClassVar[frozenset[str]] = frozenset()  # sample options it accepts: "class", "prompt"
    description: ClassVar[str] = "an unconditional generator"
    num_classes: int = 0

    def __init__(self, generator: nn.Module, class_names: list[str] | None = None,
                 class_counts: list[int] | None = None, saved: dict[str, Any] | None = None):
        self.generator = generator
        self.class_names, self.class_counts = class_names, class_counts
        self.saved = saved or {}

    def draw(self, n: int, seed: int, labels: LabelsArg = None, proportions: str = "data") -> Tensor | None:
        """What `n` seeded samples are conditioned on (None: nothing)."""
        if labels is not None:
            raise ValueError(f"{self.description}: it takes no class labels")
        return None

    def ready(self) -> str | None:
        """Why seeded samples cannot be drawn without more input (None: they can)."""
        return None

    def record(self) -> dict[str, Any]:
        """What an export must record to rebuild these conditions."""
        return {"class_names": self.class_names, "class_counts": self.class_counts}


class ClassConditions(Conditions):
    """A class label per sample: given by index or name, or drawn in the data's proportions."""

    takes = frozenset({"class"})
    description = "a class-conditional generator"

    @property
    def num_classes(self) -> int:  # type: ignore[override]
        return int(getattr(self.generator, "num_classes", 0) or 0)

    def names(self) -> list[str]:
        return list(self.class_names) if self.class_names else [str(i) for i in range(self.num_classes)]

    def index(self, name_or_index: int | str) -> int:
        """A class given by index (an int or digits) or by name -> its index."""
        classes, names = self.num_classes, list(self.class_names or [])
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

    def draw(self, n: int, seed: int, labels: LabelsArg = None, proportions: str = "data") -> Tensor:
        """[n] int64 labels: `labels` None draws them (seeded) in the training data's class
        proportions (`"data"`) or uniformly (`"uniform"`); an int or a name asks for one class;
        a sequence gives one label per image."""
        classes = self.num_classes
        if labels is None:
            weights = torch.ones(classes, dtype=torch.float64)
            if proportions == "data" and self.class_counts:
                weights = torch.tensor(self.class_counts, dtype=torch.float64)
            draw = torch.Generator().manual_seed(seed + 1)
            return torch.multinomial(weights, n, replacement=True, generator=draw)
        if isinstance(labels, (int, str)):
            labels = [self.index(labels)] * n
        result = torch.as_tensor(labels, dtype=torch.int64).reshape(-1)
        if len(result) != n:
            raise ValueError(f"labels: expected {n} labels, got {len(result)}")
        if result.numel() and (int(result.min()) < 0 or int(result.max()) >= classes):
            raise ValueError(f"labels: class indices must lie in 0..{classes - 1}")
        return result


class PromptConditions(Conditions):
    """A text embedding per sample: from prompts, or from captions drawn from the training ones."""

    takes = frozenset({"prompt"})
    description = "a text-conditioned generator"

    @property
    def pool(self) -> list[str]:
        return list(self.saved.get("captions") or [])

    def encode(self, prompts: Sequence[str]) -> Tensor:
        """[len(prompts), dim] embeddings on the generator's device."""
        from ganforge.text.prompts import encode_prompts

        return encode_prompts(self.generator, prompts)

    def ready(self) -> str | None:
        return None if self.pool else "a text-to-image generator; give --prompt or --prompts-file"

    def record(self) -> dict[str, Any]:
        """The captions to draw prompts from, and the encoder they were embedded with."""
        return {**super().record(), "objective": {"captions": self.pool, "text_encoder": self.saved.get("text_encoder")}}

    def draw(self, n: int, seed: int, labels: LabelsArg = None, proportions: str = "data") -> Tensor:
        """Embeddings of `n` captions drawn (seeded, with replacement) from the run's training captions."""
        if labels is not None:
            raise ValueError("this generator is text-conditioned: it takes prompts, not class labels")
        pool = self.pool
        if not pool:
            raise ValueError("this generator is text-conditioned: give prompts")
        draw = torch.Generator().manual_seed(seed + 1)
        picks = torch.randint(0, len(pool), (n,), generator=draw).tolist()
        unique = sorted(set(picks))
        table = self.encode([pool[i] for i in unique]).cpu()
        row = {index: k for k, index in enumerate(unique)}
        return table[[row[i] for i in picks]]


def conditions_of(generator: nn.Module) -> Conditions:
    """The conditions a network carries; a network from elsewhere takes latents alone."""
    found = getattr(generator, "conditions", None)
    return found if isinstance(found, Conditions) else Conditions(generator)


def attach_conditions(generator: nn.Module, kind: type[Conditions], class_names: list[str] | None = None,
                      class_counts: list[int] | None = None, saved: dict[str, Any] | None = None) -> None:
    """Give `generator` its conditions (outside its parameters and state dict)."""
    generator.__dict__["conditions"] = kind(generator, class_names, class_counts, saved)
