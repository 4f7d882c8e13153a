"""Moved to `ganforge.signals` (stop requests reach training, evaluation and every command);
this name stays an alias of that module."""

import sys

from ganforge import signals

sys.modules[__name__] = signals
