"""Shared output helpers for commands: JSON, tables, progress bars and where files go.

Where output goes (the same for every command): a path the user gives
(``--out``, ``-o``, ``--trace``, ``--heapshots``) is taken relative to the
current directory; output nobody named goes under ``./dlrsim-out/`` in the
current directory (``dlrsim-out/runs/`` for real-runtime runs,
``dlrsim-out/experiments/`` for experiments), never into the installed project.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from callsite.errors import DlrsimError

OUTPUT_FOLDER = "dlrsim-out"


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain aligned text table; numbers are right-aligned."""
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def is_num(s: str) -> bool:
        try:
            float(s.rstrip("%"))
            return True
        except ValueError:
            return False

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if is_num(c) else c.ljust(w) for c, w in zip(row, widths)).rstrip()

    lines = [fmt(list(headers)), "  ".join("-" * w for w in widths)]
    lines.extend(fmt(r) for r in rows)
    return "\n".join(lines)


def progress(total: int | float | None, desc: str, *, disable: bool = False, unit: str = "call"):
    """A progress bar on stderr, drawn only when stderr is a terminal (a log gets no ``\\r``
    fragments) and only for runs longer than about a second; it clears itself when closed,
    so an error line that follows stands alone."""
    from tqdm import tqdm

    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tqdm(total=total, desc=desc, file=sys.stderr, delay=1.0, disable=disable or not tty,
                unit=unit, unit_scale=True, dynamic_ncols=True, leave=False)


@contextlib.contextmanager
def status(desc: str, *, delay: float = 1.0) -> Iterator[None]:
    """Name a step that has no count to show (building a dominator tree) on stderr while it runs:
    drawn only on a terminal and only once the step has taken ``delay`` seconds, erased when it
    ends, so quick commands and logs show nothing."""
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        yield
        return
    shown = threading.Event()

    def show() -> None:
        sys.stderr.write(f"\r{desc}\u2026")
        sys.stderr.flush()
        shown.set()

    timer = threading.Timer(delay, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        if shown.is_set():
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


# ----------------------------------------------------------------- where files go

def cache_root() -> Path:
    """``$XDG_CACHE_HOME/dlrsim`` (``~/.cache/dlrsim``): what dlrsim builds for itself on first
    use (the program helper, the native heap library), per user and never inside the project."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dlrsim"


#: Builds of other versions (``PREFIX-OTHERHASH``) older than this are removed when a new one is made.
STALE_BUILD_SECONDS = 7 * 24 * 3600


def build_in_cache(name: str, build: Callable[[Path], None]) -> Path:
    """``cache_root()/NAME``, made by ``build(folder)`` in a fresh folder beside it and then renamed
    into place: a build that fails or is interrupted leaves nothing half-written, and two processes
    building at once both end up with one complete copy.

    ``NAME`` is ``PREFIX-HASH`` of the sources; a new build removes the builds of other versions
    untouched for a week (:func:`prune_builds`), so upgrades do not pile up copies, while two
    checkouts of different versions used side by side do not rebuild each other's."""
    final = cache_root() / name
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="build-", dir=final.parent))
    try:
        build(tmp)
        try:
            tmp.rename(final)
        except OSError:  # another process built it first
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    prune_builds(final)
    return final


def prune_builds(current: Path, *, older_than: float = STALE_BUILD_SECONDS) -> list[Path]:
    """Remove the other versions' builds beside ``current`` (same prefix before the last ``-``)
    last modified more than ``older_than`` seconds ago; returns what was removed."""
    prefix = current.name.rsplit("-", 1)[0] + "-"
    cutoff = time.time() - older_than
    removed = []
    for other in current.parent.glob(prefix + "*"):
        try:
            if other != current and other.is_dir() and other.stat().st_mtime < cutoff:
                shutil.rmtree(other)
                removed.append(other)
        except OSError:  # in use by another process's build, or gone already
            continue
    return removed


def output_folder(kind: str) -> Path:
    """``./dlrsim-out/KIND`` in the current directory: where output nobody named goes."""
    return Path.cwd() / OUTPUT_FOLDER / kind


def new_output_file(kind: str, stem: str, suffix: str) -> Path:
    """A new, timestamped file under ``./dlrsim-out/KIND/``."""
    folder = output_folder(kind)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"{time.strftime('%Y%m%d-%H%M%S')}-{stem}-", suffix=suffix,
                                    dir=folder)
    except OSError as exc:
        raise DlrsimError(f"cannot write the output folder: {exc.strerror}", where=str(folder)) from None
    os.close(fd)
    return Path(name)


def output_file(path: "str | Path", option: str) -> Path:
    """A file the user named for output, as an absolute path (relative to the current
    directory), with its folder created; checked now so a long run cannot fail at its end."""
    p = Path(os.path.abspath(Path(path).expanduser()))
    where = f"{option} {path}"
    if p.is_dir():
        raise DlrsimError("is a folder; give a file name", where=where)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DlrsimError(f"{p.parent} is a file, not a folder", where=where) from None
    except OSError as exc:
        raise DlrsimError(f"cannot create its folder: {exc.strerror}", where=where) from None
    existed = p.exists()
    try:
        with open(p, "a"):
            pass
    except OSError as exc:
        raise DlrsimError(f"cannot write: {exc.strerror}", where=where) from None
    if not existed:
        p.unlink()
    return p


def output_dir(path: "str | Path", option: str) -> Path:
    """A folder the user named for output (relative to the current directory), created."""
    p = Path(os.path.abspath(Path(path).expanduser()))
    where = f"{option} {path}"
    if p.exists() and not p.is_dir():
        raise DlrsimError("is a file, not a folder", where=where)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DlrsimError(f"cannot create it: {exc.strerror or 'a file is in the way'}", where=where) from None
    if not os.access(p, os.W_OK):
        raise DlrsimError("cannot write into it: permission denied", where=where)
    return p
