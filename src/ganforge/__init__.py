"""ganforge: train, sample and evaluate generative adversarial networks."""

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ganforge")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+local"

_API = ("train", "load_run", "load_generator", "sample", "interpolate", "export", "evaluate", "translate", "evaluate_translation")


def __getattr__(name: str):
    # Lazy API so `import ganforge` stays cheap for the CLI's --help.
    if name in _API:
        return getattr(importlib.import_module("ganforge.api"), name)
    raise AttributeError(f"module 'ganforge' has no attribute {name!r}")
