"""Contact sheets: thumbnails of a few images of the source in one PNG, for the audit page."""

from __future__ import annotations

import io

import torch
import torchvision.transforms.functional as TF
from torchvision.utils import make_grid

from ganforge.data import ImageSource
from ganforge.data.thumbnails import thumbnail


def contact_sheet(source: ImageSource, indices: list[int], per_row: int = 8) -> bytes:
    """PNG bytes of the images at `indices`, `per_row` to a row."""
    tiles = torch.stack([thumbnail(source, i) for i in indices])
    grid = make_grid(tiles, nrow=min(per_row, len(indices)), padding=4, pad_value=200)
    buffer = io.BytesIO()
    TF.to_pil_image(grid).save(buffer, format="PNG")
    return buffer.getvalue()
