"""A worker process that cannot outlive its run.

Every real runtime runs in a worker process started here: in its own process
group (so a Ctrl-C in the terminal reaches only dlrsim, which then stops the
worker deliberately), killed with that whole group on timeout, Ctrl-C or any
other exit of the parent, and killed by the kernel if the parent itself dies
(``PR_SET_PDEATHSIG``). A killed CoreCLR cannot remove the debugger and
diagnostics endpoints it made in the temporary folder
(``clr-debug-pipe-PID-*``, ``dotnet-diagnostic-PID-*``), so they are removed
here. The worker's stderr goes to an anonymous temporary file (nothing is left
behind, even if the parent is killed); :meth:`WorkerProcess.stderr_tail` reads it.
"""

from __future__ import annotations

import ctypes
import glob
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

_PR_SET_PDEATHSIG = 1
RUNTIME_TEMP_PATTERNS = ("clr-debug-pipe-{pid}-*", "dotnet-diagnostic-{pid}-*")


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


def python_command(module: str, *args: str) -> list[str]:
    """``python -P -m MODULE ARGS``: ``-P`` keeps the current directory (the user's, where
    relative paths point) off ``sys.path``, so nothing there can shadow dlrsim's modules."""
    return [sys.executable, "-P", "-m", module, *map(str, args)]


def runtime_temp_files(pid: int) -> list[str]:
    """The CoreCLR debugger/diagnostics endpoints of process ``pid`` in the temporary folder."""
    tmp = tempfile.gettempdir()
    found: list[str] = []
    for pattern in RUNTIME_TEMP_PATTERNS:
        found += glob.glob(os.path.join(tmp, pattern.format(pid=pid)))
    return found


class WorkerProcess:
    """``with WorkerProcess(cmd, env=...) as w: rc = w.wait_step(0.2) ...``; leaving the block
    kills whatever is still running in the worker's process group and cleans up after it."""

    def __init__(self, cmd: Sequence[str], *, env: dict, cwd: "str | Path | None" = None,
                 pipes: bool = False) -> None:
        """``pipes``: the worker's stdout and stderr come back as ``proc.stdout``/``proc.stderr``
        (a user's program run by ``dlrsim run`` writes its own output there)."""
        self._stderr = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE if pipes else subprocess.DEVNULL,
                                     stderr=subprocess.PIPE if pipes else self._stderr,
                                     env=env, cwd=None if cwd is None else str(cwd),
                                     start_new_session=True, preexec_fn=_die_with_parent)
        self.pid = self.proc.pid
        self.killed = False

    def __enter__(self) -> "WorkerProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def wait_step(self, seconds: float) -> int | None:
        """The exit code, or None if the worker is still running after ``seconds``."""
        try:
            return self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def stop(self) -> None:
        """Kill the worker's whole process group (if anything of it is left) and remove the
        runtime's temporary endpoints. Safe to call more than once."""
        try:
            os.killpg(self.pid, signal.SIGKILL)  # the group id is the worker's pid (own session)
            if self.proc.poll() is None:
                self.killed = True
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not wait for anything
            pass
        for path in runtime_temp_files(self.pid):
            try:
                os.unlink(path)
            except OSError:
                pass

    def stderr_tail(self, lines: int = 40) -> list[str]:
        """The last non-empty lines the worker wrote to stderr."""
        try:
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return []
        return [ln for ln in text.splitlines() if ln.strip()][-lines:]

    def close(self) -> None:
        self.stop()
        self._stderr.close()
