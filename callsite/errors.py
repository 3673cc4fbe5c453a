"""Errors a user can act on.

Every error that reaches the CLI is a :class:`DlrsimError`: the CLI prints its
one-line message (``dlrsim COMMAND: error: MESSAGE``) and exits with its code,
so a user never sees a traceback for bad input. With ``--json`` the same message
is also the one object on stdout: ``{"error": MESSAGE}``.
"""

from __future__ import annotations

USAGE = 2        # bad input, bad environment, a run that failed
INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


class DlrsimError(Exception):
    """A problem with the user's input or environment, reported in one line."""

    exit_code = USAGE

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class WorkloadError(DlrsimError):
    """A workload file or object that does not follow the documented format."""


class RuntimeUnavailable(DlrsimError):
    """A real .NET runtime that cannot be started here."""


class RunFailed(DlrsimError):
    """A real-runtime run that aborted, hung or threw."""


class Interrupted(DlrsimError):
    """Ctrl-C during a run: its workers are stopped; the message says where the partial output is."""

    exit_code = INTERRUPTED
