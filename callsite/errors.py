"""Errors a user can act on.

Every error that reaches the CLI is a :class:`DlrsimError`: the CLI prints its
one-line message and exits with its code, so a user never sees a traceback for
bad input.
"""

from __future__ import annotations


class DlrsimError(Exception):
    """A problem with the user's input or environment, reported in one line."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class WorkloadError(DlrsimError):
    """A workload file or object that does not follow the documented format."""


class RuntimeUnavailable(DlrsimError):
    """A real .NET runtime that cannot be started here."""


class RunFailed(DlrsimError):
    """A real-runtime run that aborted, hung or threw."""
