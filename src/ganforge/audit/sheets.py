"""Contact sheets: thumbnails of a few images of the source in one PNG, for the audit page."""

from __future__ import annotations

import io

import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision.utils import make_grid

from ganforge.data import ImageSource, UnreadableImage

THUMB_SIDE = 96


def thumbnail(source: ImageSource, index: int, side: int = THUMB_SIDE) -> torch.Tensor:
    """[3,side,side] uint8: the image fitted inside the square (aspect kept), on white."""
    try:
        image = source.image(index).convert("RGB")
    except UnreadableImage:
        return torch.zeros((3, side, side), dtype=torch.uint8)
    scale = side / max(image.size)
    if scale < 1:
        image.thumbnail((side, side), Image.LANCZOS)
    elif scale > 1:  # small images are enlarged with nearest neighbours: their pixels stay visible
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.NEAREST)
    canvas = Image.new("RGB", (side, side), (255, 255, 255))
    canvas.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return TF.pil_to_tensor(canvas)


def contact_sheet(source: ImageSource, indices: list[int], per_row: int = 8) -> bytes:
    """PNG bytes of the images at `indices`, `per_row` to a row."""
    tiles = torch.stack([thumbnail(source, i) for i in indices])
    grid = make_grid(tiles, nrow=min(per_row, len(indices)), padding=4, pad_value=200)
    buffer = io.BytesIO()
    TF.to_pil_image(grid).save(buffer, format="PNG")
    return buffer.getvalue()
