"""The image history pool of CycleGAN (Shrivastava et al. 2017; Zhu et al. 2017, §4).

D sees fakes of earlier G versions too: until the pool holds `size` images each new fake is
stored and returned; afterwards each new fake is, with probability 1/2, swapped for a random
stored one (which is returned) or returned itself. Draws use torch's global generator, which
the checkpoint restores; the pool's images are saved with it.
"""

from __future__ import annotations

import torch
from torch import Tensor


class ImagePool:
    def __init__(self, size: int):
        self.size = size
        self.images: list[Tensor] = []

    @torch.no_grad()
    def query(self, fakes: Tensor) -> Tensor:
        if self.size == 0:
            return fakes
        out = []
        for fake in fakes:
            fake = fake.detach().unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(fake.clone())
                out.append(fake)
            elif torch.rand(()) < 0.5:
                k = int(torch.randint(0, self.size, ()))
                out.append(self.images[k].to(fake.device, copy=True))
                self.images[k] = fake.clone()
            else:
                out.append(fake)
        return torch.cat(out)

    def state_dict(self) -> dict:
        stored = torch.cat(self.images).cpu() if self.images else None
        return {"size": self.size, "images": stored}

    def load_state_dict(self, state: dict) -> None:
        stored = state["images"]
        self.images = [] if stored is None else [image.unsqueeze(0) for image in stored]
