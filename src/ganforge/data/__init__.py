"""Image sources: `builtin:NAME`, image folders (recursive) and `.zip` archives.

Contract used by training, metrics and evaluators:

    source = open_source("builtin:digits" | "path/to/folder" | "images.zip", labels=False)
    len(source)                 # number of candidate images
    source.image(i)             # PIL.Image in mode "L", "RGB" or "RGBA" (16-bit, palette, CMYK normalised);
                                # raises UnreadableImage(name) for a corrupt or non-image file
    source.name(i)              # file name (or builtin:NAME[i]) for messages
    source.labels               # list[int] | None; class_names: list[str] | None
    source.attributes           # list[dict] | None (builtin:shapes); captions: list[str] | None
    source.fingerprint()        # hex digest of (names, sizes, mtimes) / builtin parameters, for caches
    iter_readable(source)       # yields (i, PIL image), skipping unreadable files with one warning each

Also: `source.is_jpeg(i)`, `source.suffix(i)`, `source.read_bytes(i)` (for audits and duplicate
checks), `to_rgb_uint8(img)` -> [3,H,W] uint8 as the metrics see it, `decode_image(bytes|path)`.
Training tensors live in `ganforge.data.training` (`load_training_images`, `random_crop`,
`to_model_range`); the shapes vocabulary and derived inputs in `ganforge.data.shapes`.
"""

from ganforge.data.decode import decode_image
from ganforge.data.sources import (
    ImageSource,
    UnreadableImage,
    iter_readable,
    open_source,
    read_or_warn,
    to_rgb_uint8,
)

__all__ = [
    "ImageSource",
    "UnreadableImage",
    "decode_image",
    "iter_readable",
    "open_source",
    "read_or_warn",
    "to_rgb_uint8",
]
