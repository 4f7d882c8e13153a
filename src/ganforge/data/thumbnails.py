"""A source's images as pages show them: their relative names and square thumbnails."""

from __future__ import annotations

import torch
import torchvision.transforms.functional as TF
from PIL import Image

from ganforge.data.sources import ImageSource, UnreadableImage

THUMB_SIDE = 96


def relative_names(source: ImageSource) -> list[str]:
    """Names that `data.include` matches: paths inside a folder, member names inside a zip."""
    if hasattr(source, "relatives"):
        return list(source.relatives)
    if hasattr(source, "members"):
        return [member.filename for member in source.members]
    return [source.name(i) for i in range(len(source))]


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
