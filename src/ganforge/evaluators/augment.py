"""Seeded training-time augmentations on preprocessed float images [N,C,S,S].

Every random draw comes from the `torch.Generator` passed in, so a seed fixes the run.
"""

from ganforge.augment import (  # noqa: F401  (they live beside DiffAugment)
    colour_jitter,
    random_noise,
    random_resized_crop,
    random_translate,
    simclr_view,
)
