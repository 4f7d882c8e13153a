"""Moved to `ganforge.wheel_source` (it serves metrics and pretrained networks alike); this
name stays an alias of that module."""

import sys

from ganforge import wheel_source

sys.modules[__name__] = wheel_source
