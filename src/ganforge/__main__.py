"""`python -m ganforge ...`: the same as the `ganforge` command (what `torchrun -m ganforge` starts)."""

import sys

from ganforge.cli import main

sys.exit(main())
