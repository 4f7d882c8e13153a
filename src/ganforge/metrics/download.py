"""Moved to `ganforge.download` (downloads serve metrics, text encoders and pretrained
networks alike); this name stays an alias of that module."""

import sys

from ganforge import download

sys.modules[__name__] = download
