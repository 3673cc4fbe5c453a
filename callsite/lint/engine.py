"""Running the linter over many files: discovery, grouping, parallelism, baselines.

Files that declare the same partial type are analyzed together so their
symbols merge; every other file is independent, which is what lets ``-j``
scale. A file that cannot be read, decoded or parsed becomes a DLR000
finding and the run goes on.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from callsite.errors import DlrsimError
from callsite.lint import suppress
from callsite.lint.findings import PROBLEM_RULE, RULES, Finding
from callsite.lint.flow import Analyzer
from callsite.lint.parse import FileProblem, Source, decode
from callsite.lint.repair import parse_with_fallback
from callsite.lint.symbols import FileCtx

_TRIGGERS = (b"dynamic", b"CallSite", b"Binder")
_TRIGGER_WORD = re.compile(rb"\b(?:dynamic|CallSite|Binder)\b")


def _can_have_findings(data: bytes) -> bool:
    """Every rule needs one of these words (``dynamic``, or a ``CallSite``/``Binder`` call),
    here or in another part of a partial type. Whole words, so ``ModelBinder`` or
    "dynamically" do not make a file worth parsing; the substring test first, since it is
    several times faster than the regex and most files fail it."""
    return any(w in data for w in _TRIGGERS) and _TRIGGER_WORD.search(data) is not None


_PARTIAL = re.compile(rb"\bpartial\s+(?:(?:class|struct|interface|record)\s+)+(\w+)")
_COM_DECL = re.compile(rb"\b(?:ComImport|CoClass)\b[^\]]*\][^{;]*?\b(?:class|interface)\s+(\w+)")


@dataclass
class FileResult:
    path: str
    data: bytes | None
    findings: list[Finding] = field(default_factory=list)
    problem: FileProblem | None = None
    parsed: bool = False  # False for a file --quick skipped: its syntax was not checked


def select_rules(rules: Iterable[str] | None = None, all_rules: bool = False) -> set[str]:
    """The enabled rule IDs: the defaults, all with ``all_rules``, or exactly ``rules``."""
    if rules:
        chosen = {r.strip().upper() for r in rules if r.strip()}
        unknown = sorted(chosen - set(RULES))
        if unknown:
            raise DlrsimError(f"unknown rule(s): {', '.join(unknown)} (known: {', '.join(RULES)})")
        return chosen
    return {r.id for r in RULES.values() if r.default or all_rules}


def discover(paths: Sequence[str]) -> list[str]:
    """C# files under the given paths, in a stable order. A path that does not exist is a
    mistake on the command line, not a finding: it raises :class:`DlrsimError`."""
    out: list[str] = []
    seen: set[str] = set()
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise DlrsimError(f"no such file or directory: {', '.join(missing)}")
    special = [p for p in paths if not os.path.isdir(p) and not os.path.isfile(p)]
    if special:  # a FIFO or device named *.cs would block the read forever
        raise DlrsimError(f"not a regular file: {', '.join(special)}")
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("bin", "obj"))
                # Only regular files: a FIFO or socket named *.cs in the tree is not source.
                found.extend(path for path in (os.path.join(root, f) for f in files if f.endswith(".cs"))
                             if os.path.isfile(path))
            for f in sorted(found):
                if f not in seen:
                    seen.add(f)
                    out.append(f)
        elif p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _lint_group(items: list[tuple[str, bytes]], enabled: frozenset[str],
                com_types: frozenset[str], quick: bool = False) -> list[FileResult]:
    results: list[FileResult] = []
    ctxs: list[FileCtx] = []
    by_path: dict[str, FileResult] = {}
    relevant = any(_can_have_findings(data) for _p, data in items)
    for path, data in items:
        res = FileResult(path, data)
        results.append(res)
        by_path[path] = res
        if quick and not relevant:
            # cannot have findings; with --quick its syntax is not checked, its encoding is
            if not data.isascii():
                src = decode(path, data)
                if isinstance(src, FileProblem):
                    res.problem = src
            continue
        src = decode(path, data)
        if isinstance(src, FileProblem):
            res.problem = src
            continue
        tree, err = parse_with_fallback(src)
        res.parsed = True
        if err is not None:
            res.problem = err  # reported, and what did parse is analyzed all the same
        ctxs.append(FileCtx(len(ctxs), src, tree))
    # nothing can be dynamic, or a call site, without these words: skip the analysis
    found: list[Finding] = []
    if ctxs and relevant:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20000))  # deeply nested expressions are legal C#
        try:
            analyzer = Analyzer(ctxs, set(enabled), set(com_types))
            try:
                found = analyzer.run()
            finally:
                analyzer.release()
        except RecursionError:
            for ctx in ctxs:
                by_path[ctx.src.path].problem = FileProblem(
                    ctx.src.path, "expressions nested too deeply to analyze")
            ctxs = []
        finally:
            sys.setrecursionlimit(limit)
    if ctxs:
        per: dict[str, list[Finding]] = {}
        for f in found:
            per.setdefault(f.file, []).append(f)
        for ctx in ctxs:
            fs = sorted(per.get(ctx.src.path, []), key=Finding.sort_key)
            fs = suppress.apply(fs, ctx.src.text)
            _fingerprint(fs, ctx.src)
            raw = by_path[ctx.src.path].data or b""
            if raw.startswith(b"\xef\xbb\xbf"):  # edits apply to the file as read, BOM included
                for f in fs:
                    f.edits = [(off + 3, text) for off, text in f.edits]
            by_path[ctx.src.path].findings = fs
    return results


def _fingerprint(findings: list[Finding], src: Source) -> None:
    """Stable across edits elsewhere in the file: rule, line text and occurrence, not line number."""
    counts: dict[tuple[str, str], int] = {}
    for f in findings:
        line = src.line_text_at(f.offset) if f.offset >= 0 else src.line_text(f.line)
        text = " ".join(line.split())
        key = (f.rule, text)
        n = counts.get(key, 0)
        counts[key] = n + 1
        h = hashlib.sha256(f"{f.rule}\0{text}\0{n}".encode()).hexdigest()[:20]
        f.fingerprint = h


def _group(files: list[tuple[str, bytes]]) -> list[list[tuple[str, bytes]]]:
    """Union files that declare a partial type of the same name."""
    parent = list(range(len(files)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[bytes, int] = {}
    for i, (_p, data) in enumerate(files):
        if b"partial" not in data:
            continue
        for m in _PARTIAL.finditer(data):
            name = m.group(1)
            if name in owner:
                parent[find(i)] = find(owner[name])
            else:
                owner[name] = i
    groups: dict[int, list[tuple[str, bytes]]] = {}
    for i, item in enumerate(files):
        groups.setdefault(find(i), []).append(item)
    return list(groups.values())


def _read(path: str) -> tuple[bytes | None, FileProblem | None]:
    try:
        with open(path, "rb") as fh:
            return fh.read(), None
    except FileNotFoundError:
        return None, FileProblem(path, "no such file or directory", io=True)
    except IsADirectoryError:
        return None, FileProblem(path, "is a directory", io=True)
    except OSError as exc:
        return None, FileProblem(path, f"cannot read: {exc.strerror or exc}", io=True)


@contextmanager
def _fewer_gc_passes():
    """The walk allocates millions of short-lived tree-sitter node wrappers, nearly none in
    cycles; at the default threshold (700) the cyclic collector runs thousands of times for
    nothing, about 12% of a run. A higher threshold keeps collecting, just less often."""
    old = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _run_chunk(args):
    groups, enabled, com_types, quick = args
    out: list[FileResult] = []
    with _fewer_gc_passes():
        for g in groups:
            out.extend(_lint_group(g, enabled, com_types, quick))
    return out


def _run_chunk_remote(args):
    """In a worker: the caller has the bytes already, so do not send them back."""
    out = _run_chunk(args)
    for r in out:
        r.data = None
    return out


AUTO_BYTES_PER_WORKER = 256 * 1024  # below this much to parse, a worker costs more than it saves


def cores() -> int:
    """Cores this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def auto_jobs(groups: list[list[tuple[str, bytes]]]) -> int:
    """One worker per core, but no more than the work can feed: starting a worker costs
    about what parsing a quarter megabyte does."""
    work = sum(len(d) for g in groups for _p, d in g)
    return max(1, min(cores(), work // AUTO_BYTES_PER_WORKER))


def run(paths: Sequence[str], enabled: set[str], jobs: int | None = 1,
        quick: bool = False) -> list[FileResult]:
    """Lint files and directories; one result per file, in discovery order.

    ``jobs``: worker processes; 0 for one per core, None to choose from the amount of
    work (one per core for large trees, none for a few files). ``quick`` skips parsing
    files that cannot have findings (no ``dynamic``, ``CallSite`` or ``Binder`` in them),
    so their syntax errors go unreported.
    """
    files = discover(paths)
    results: dict[str, FileResult] = {}
    readable: list[tuple[str, bytes]] = []
    for path in files:
        data, problem = _read(path)
        if problem is not None:
            results[path] = FileResult(path, None, problem=problem)
        else:
            readable.append((path, data))  # type: ignore[arg-type]
    com_types: set[str] = set()
    for _p, data in readable:
        if b"ComImport" in data or b"CoClass" in data:
            com_types.update(m.group(1).decode("utf-8", "replace") for m in _COM_DECL.finditer(data))
    groups = _group(readable)
    enabled_f, com_f = frozenset(enabled), frozenset(com_types)
    if jobs == 0:
        jobs = cores()
    local: list = []  # groups this process lints itself
    if quick and jobs != 1:
        # files --quick will not parse only need decoding: do that here, while the workers
        # parse, rather than ship their bytes to a worker and back
        worth = [any(_can_have_findings(d) for _p, d in g) for g in groups]
        local = [g for g, w in zip(groups, worth) if not w]
        groups = [g for g, w in zip(groups, worth) if w]
    if jobs is None:
        jobs = auto_jobs(groups)
    if jobs <= 1 or len(groups) <= 1:
        for r in _run_chunk((local + groups, enabled_f, com_f, quick)):
            results[r.path] = r
    else:
        # a few chunks per worker, balanced by size, to keep IPC cheap and cores busy
        nchunks = min(len(groups), jobs * 4)
        chunks: list[list] = [[] for _ in range(nchunks)]
        sizes = [0] * nchunks
        for g in sorted(groups, key=lambda g: -sum(len(d) for _p, d in g)):
            i = sizes.index(min(sizes))
            chunks[i].append(g)
            sizes[i] += sum(len(d) for _p, d in g)
        from concurrent.futures import ProcessPoolExecutor  # only for -j > 1
        with ProcessPoolExecutor(max_workers=min(jobs, nchunks)) as pool:
            pending = pool.map(_run_chunk_remote, [(c, enabled_f, com_f, quick) for c in chunks if c])
            for r in _run_chunk((local, enabled_f, com_f, quick)):
                results[r.path] = r
            data_of = dict(readable)
            for chunk_result in pending:
                for r in chunk_result:
                    r.data = data_of.get(r.path)
                    results[r.path] = r
    return [results[p] for p in files if p in results]


def problem_finding(p: FileProblem) -> Finding:
    return Finding(p.path, p.line, p.column, p.line, p.column, PROBLEM_RULE, "error",
                   p.message, None, hashlib.sha256(f"{p.path}\0{p.message}".encode()).hexdigest()[:20])


def all_findings(results: list[FileResult]) -> list[Finding]:
    out: list[Finding] = []
    for r in results:
        if r.problem is not None:
            out.append(problem_finding(r.problem))
        out.extend(r.findings)
    return out


def load_baseline(path: str) -> set[tuple[str, str, str]]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise DlrsimError(f"baseline file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DlrsimError(f"cannot read baseline {path}: {exc}") from None
    if isinstance(data, dict):
        data = data.get("findings", [])
    if not isinstance(data, list):
        raise DlrsimError(f"baseline {path} is not a list of findings (use --format json output)")
    keys = set()
    for item in data:
        if isinstance(item, dict) and {"file", "rule", "fingerprint"} <= item.keys():
            keys.add((os.path.normpath(str(item["file"])), str(item["rule"]), str(item["fingerprint"])))
    return keys


def apply_baseline(results: list[FileResult], keys: set[tuple[str, str, str]]) -> None:
    for r in results:
        r.findings = [f for f in r.findings
                      if (os.path.normpath(f.file), f.rule, f.fingerprint) not in keys]


def lint_paths(paths: Sequence[str] | str, rules: Iterable[str] | None = None, *,
               all_rules: bool = False, jobs: int | None = 1, baseline: str | None = None,
               quick: bool = False) -> list[Finding]:
    """Lint C# files or directories and return every finding, DLR000 file problems included."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [os.fspath(paths)]
    enabled = select_rules(rules, all_rules)
    results = run([os.fspath(p) for p in paths], enabled, jobs, quick)
    if baseline:
        apply_baseline(results, load_baseline(baseline))
    return all_findings(results)


def lint_source(text: str | bytes, path: str = "<source>.cs", rules: Iterable[str] | None = None, *,
                all_rules: bool = False) -> list[Finding]:
    """Lint one in-memory C# source (for editors, tests and notebooks)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    results = _lint_group([(path, data)], frozenset(select_rules(rules, all_rules)), frozenset())
    return all_findings(results)
