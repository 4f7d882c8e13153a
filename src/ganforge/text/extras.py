"""Optional dependencies: a missing one is a one-line error naming what installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

from ganforge.errors import UserError

EXTRAS = {  # module -> (pip package, ganforge extra that installs it)
    "tokenizers": ("tokenizers", "text"),
    "open_clip": ("open_clip_torch", "clip"),
}


def require(module: str, wanted_by: str) -> ModuleType:
    """Import `module`, or raise UserError naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package, extra = EXTRAS[module]
        raise UserError(
            f"{wanted_by} needs the {package} package; install it with: pip install 'ganforge[{extra}]'"
        ) from None
