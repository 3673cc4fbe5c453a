"""callsite.output.progress: drawn on a terminal after about a second, cleared at the end, and never
written when stderr is a pipe or a file (a log gets no ``\\r`` fragments)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

from binders import host

SCRIPT = """
import time
from callsite.output import progress
with progress(8, "counting") as bar:
    for _ in range(8):
        time.sleep(0.25)
        bar.update(1)
"""


def _run(stderr) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.DEVNULL, stderr=stderr,
                            env=host._env())


def _pty_run(script: str) -> bytes:
    """What ``script`` writes to stderr when stderr is a 100-column terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=slave, env=host._env())
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    assert p.wait(timeout=60) == 0
    return out


def test_progress_is_drawn_on_a_terminal_and_cleared():
    out = _pty_run(SCRIPT)
    assert b"counting" in out and b"%|" in out
    assert out.rstrip(b" ").endswith(b"\r"), "the bar clears itself, so a following line stands alone"


def test_no_progress_in_a_pipe():
    p = _run(subprocess.PIPE)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 0 and err == b""


STATUS = """
import time
from callsite.output import status
with status("building the dominator tree", delay=0.3):
    time.sleep(1.0)
with status("a quick step", delay=5.0):
    pass
"""


def test_status_names_a_long_step_on_a_terminal_and_erases_it():
    out = _pty_run(STATUS)
    assert b"building the dominator tree" in out and out.endswith(b"\r\x1b[K")
    assert b"a quick step" not in out


def test_no_status_in_a_pipe():
    p = subprocess.run([sys.executable, "-c", STATUS], capture_output=True, env=host._env(), timeout=60)
    assert p.returncode == 0 and p.stderr == b""
