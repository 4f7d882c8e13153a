"""`python -m ganforge ...`: the same as the `ganforge` command."""

import sys

from ganforge.cli import main

sys.exit(main())
