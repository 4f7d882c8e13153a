"""A text-image matcher trained on real pairs by a contrastive loss, whose score of G's fakes
against their captions is an extra G loss (`text.contrastive_weight`).

As the DAMSM loss of AttnGAN (Xu et al. 2018) and the contrastive losses of XMC-GAN (Zhang et
al. 2021) and of Ye et al. 2021 (DF-GAN + contrastive learning): an image tower and a text
projection map both sides to one unit sphere, and each image must pick its caption among the
run's captions (a bank of them) and the entry "generated", which the matcher learns for G's
fakes. Unlike DAMSM it is trained during the GAN run,
on real pairs only, so it needs no pretraining step. Captions that differ in one word are the
hard negatives that teach it (and through it G) each attribute.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.models.aux_classifier import PlainImageEncoder, with_input_noise

EMBED_DIM = 128
LOGIT_SCALE = 10.0  # 1 / temperature 0.1, fixed (CLIP's learned scale starts near 14)


class TextImageMatcher(nn.Module):
    """images [N, C, R, R] and caption embeddings [N, T] -> unit vectors [N, EMBED_DIM] each."""

    def __init__(self, channels: int, resolution: int, text_dim: int) -> None:
        super().__init__()
        self.image_encoder = PlainImageEncoder(channels, resolution, keep_layout=True)
        self.image_head = nn.Linear(self.image_encoder.feature_dim, EMBED_DIM)
        self.text_head = nn.Sequential(nn.Linear(text_dim, 256), nn.LeakyReLU(0.2), nn.Linear(256, EMBED_DIM))
        self.generated = nn.Parameter(torch.randn(EMBED_DIM))  # the "caption" of every fake

    def embed_images(self, images: Tensor, noisy: bool = False) -> Tensor:
        images = with_input_noise(images) if noisy else images
        return F.normalize(self.image_head(self.image_encoder(images)), dim=1)

    def embed_texts(self, e: Tensor) -> Tensor:
        return F.normalize(self.text_head(e), dim=1)

    def loss(self, images: Tensor, targets: Tensor, candidates: Tensor, noisy: bool = False,
             generated: bool = False) -> Tensor:
        """Cross-entropy of each image picking its caption among `candidates` [K, T] (distinct
        captions; `targets` [N] index them) and the entry "generated". With `generated` the
        images are G's and their target is that entry (as a K+1-class discriminator, Salimans
        et al. 2016), so G cannot match its captions by drawing the matcher's shortcuts."""
        texts = torch.cat([self.embed_texts(candidates), F.normalize(self.generated, dim=0)[None]])
        logits = LOGIT_SCALE * self.embed_images(images, noisy) @ texts.T
        if generated:
            targets = torch.full_like(targets, len(candidates))
        return F.cross_entropy(logits, targets)
