"""`python -m ganforge.distributed.torchrun N ARGS...`: what `--nproc N` runs.

torchrun's own launcher (standalone rendezvous on a free local port, N processes of
`python -m ganforge ARGS...`), given ARGS whole: on torchrun's command line an option of ours
such as `eval --n` would be read as an abbreviation of one of torchrun's own options.
"""

from __future__ import annotations

import os
import sys

from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
from torch.distributed.run import parse_args, run

from ganforge.distributed.errors import ERRORS_ENV, handed_errors
from ganforge.errors import UserError


def main(argv: list[str]) -> int:
    nproc, ganforge_args = argv[0], argv[1:]
    options = parse_args(["--standalone", f"--nproc-per-node={nproc}", "-m", "ganforge"])
    options.training_script_args = ganforge_args
    try:
        run(options)
    except ChildFailedError as err:
        folder = os.environ.get(ERRORS_ENV)
        messages = handed_errors(folder) if folder else []
        if messages:  # user errors: each said once, for all processes
            for message in messages:
                print(f"ganforge: error: {message}", file=sys.stderr)
            return UserError.exit_code
        failed = ", ".join(str(rank) for rank in sorted(err.failures))
        print(f"ganforge: error: process(es) {failed} of {nproc} failed (their messages are above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
