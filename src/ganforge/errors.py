"""User-facing errors: one line, exit code 2, no traceback (docs/ERRORS.md draws the line)."""

from __future__ import annotations

import errno

# The machine, not the program, is at fault: the user can fix these (free space, permissions).
ENVIRONMENT_ERRNOS = {
    errno.ENOSPC: "no space left on the device; free some space and run the command again",
    errno.EDQUOT: "disk quota exceeded; free some space and run the command again",
    errno.EROFS: "the file system is read-only; choose a writable location",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EFBIG: "file too large for this file system",
}


class UserError(Exception):
    """Bad input from the user (file, key or value). The message is one line naming it."""

    exit_code = 2


class TrainingFailed(UserError):
    """Training cannot go on (e.g. it diverged); one line, exit code 1."""

    exit_code = 1


def environment_message(err: OSError) -> str | None:
    """One line for an OSError the user can fix (disk full, read-only, permissions), else None."""
    what = ENVIRONMENT_ERRNOS.get(err.errno)
    if what is None:
        return None
    where = err.filename if err.filename is not None else "write"
    return f"{where}: {what}"
