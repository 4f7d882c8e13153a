"""ganforge: train, sample and evaluate generative adversarial networks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ganforge")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+local"


def __getattr__(name: str):
    # Lazy API so `import ganforge` stays cheap for the CLI's --help.
    from ganforge import api

    if name in api.__all__:
        return getattr(api, name)
    raise AttributeError(f"module 'ganforge' has no attribute {name!r}")
