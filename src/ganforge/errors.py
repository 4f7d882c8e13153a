"""User-facing errors: one line, exit code 2, no traceback."""


class UserError(Exception):
    """Bad input from the user (file, key or value). The message is one line naming it."""

    exit_code = 2


class TrainingFailed(UserError):
    """Training cannot go on (e.g. it diverged); one line, exit code 1."""

    exit_code = 1
