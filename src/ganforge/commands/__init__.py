"""Sub-commands of the `ganforge` CLI; each module has `add_arguments(parser)` and `run(args)`."""
