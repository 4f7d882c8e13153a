"""A text-image matcher trained on real pairs by a contrastive loss, whose score of G's fakes
against their captions is an extra G loss (`text.contrastive_weight`).

As the DAMSM loss of AttnGAN (Xu et al. 2018) and the contrastive losses of XMC-GAN (Zhang et
al. 2021) and of Ye et al. 2021 (DF-GAN + contrastive learning): an image tower and a text
projection map both sides to one unit sphere, and each image must pick its caption among the
batch's captions (and each caption its image). Unlike DAMSM it is trained during the GAN run,
on real pairs only, so it needs no pretraining step. Captions that differ in one word are the
hard negatives that teach it (and through it G) each attribute.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.models.aux_classifier import PlainImageEncoder, with_input_noise

EMBED_DIM = 128
LOGIT_SCALE = 10.0  # 1 / temperature 0.1, fixed (CLIP's learned scale starts near 14)


class TextImageMatcher(nn.Module):
    """images [N, C, R, R] and caption embeddings [N, T] -> unit vectors [N, EMBED_DIM] each."""

    def __init__(self, channels: int, resolution: int, text_dim: int) -> None:
        super().__init__()
        self.image_encoder = PlainImageEncoder(channels, resolution)
        self.image_head = nn.Linear(self.image_encoder.feature_dim, EMBED_DIM)
        self.text_head = nn.Sequential(nn.Linear(text_dim, 256), nn.LeakyReLU(0.2), nn.Linear(256, EMBED_DIM))

    def embed_images(self, images: Tensor, noisy: bool = False) -> Tensor:
        images = with_input_noise(images) if noisy else images
        return F.normalize(self.image_head(self.image_encoder(images)), dim=1)

    def embed_texts(self, e: Tensor) -> Tensor:
        return F.normalize(self.text_head(e), dim=1)

    def loss(self, images: Tensor, e: Tensor, caption_ids: Tensor, noisy: bool = False) -> Tensor:
        """Symmetric contrastive loss within the batch; images whose captions are equal all count
        as matches. `e`, `caption_ids`: [N, T], [N] for the N images."""
        logits = LOGIT_SCALE * self.embed_images(images, noisy) @ self.embed_texts(e).T
        same = (caption_ids[:, None] == caption_ids[None, :]).float()
        targets = same / same.sum(dim=1, keepdim=True)  # symmetric: rows and columns alike
        image_to_text = -(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
        text_to_image = -(targets * F.log_softmax(logits.T, dim=1)).sum(dim=1).mean()
        return (image_to_text + text_to_image) / 2

    def bank_loss(self, images: Tensor, targets: Tensor, bank: Tensor, noisy: bool = False) -> Tensor:
        """Each image picks its caption among a bank of distinct captions [K, T] (`targets`: [N]
        indices into the bank). A bank of every caption holds the captions that differ from an
        image's in one word, which a batch of 32 seldom does."""
        logits = LOGIT_SCALE * self.embed_images(images, noisy) @ self.embed_texts(bank).T
        return F.cross_entropy(logits, targets)
