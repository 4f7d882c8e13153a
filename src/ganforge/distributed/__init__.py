"""Several processes, one run: torchrun's process group, gradient all-reduce, per-rank state.

One process is the common case and costs nothing here: `current()` is then a `Distribution`
of world size 1 whose collectives return their argument.
"""

from ganforge.distributed.context import Distribution, current, init_from_env, shutdown

__all__ = ["Distribution", "current", "init_from_env", "shutdown"]
