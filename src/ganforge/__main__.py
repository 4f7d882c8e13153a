"""`python -m ganforge` (what `torchrun -m ganforge` starts in every process)."""

import sys

from ganforge.cli import main

sys.exit(main())
