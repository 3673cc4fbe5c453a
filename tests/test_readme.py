"""The README's promises: two commands first, CI runs the second one verbatim, and every example runs.

How README examples are run (the convention for everyone who adds one):

* Blocks fenced ```sh and ```python are examples: this test RUNS them, in README order, in one
  temporary folder laid out like a fresh clone (the repository's top-level files are symlinked
  in; ``.venv/bin/dlrsim`` and ``.venv/bin/python`` run this checkout). A file one example
  writes is there for the next ones, so write it before you use it.
* In a ```sh block every non-empty line is one command starting with ``.venv/bin/dlrsim``,
  ``.venv/bin/python`` or ``mcs`` (to build a program that ``dlrsim run`` then diagnoses); a ``# comment`` after it is fine. It must finish within
  ``COMMAND_TIMEOUT`` seconds (keep ``--calls`` small) and exit 0, or 0 or 1 when its comment
  says "exit 1" or "exit code 1" (findings, disagreement); "Traceback" must not appear on stderr.
* ```python blocks run as one script each, with the same limits.
* ```yaml blocks that declare ``format: dlrsim-workload/1`` must load as workloads.
* ```text blocks are not run: sample output, and commands too slow for the suite (keep those
  few, and give a quick form of the same command in a ```sh block where you can).
* The README's first block (``./setup.sh && ...``) is the install: checked below, not run.
* Nothing may be written into the repository itself (``git status`` before and after).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMAND_TIMEOUT = 120
RUN_PREFIXES = (".venv/bin/dlrsim ", ".venv/bin/python ", "mcs ")  # mcs: Mono's C# compiler (setup.sh)
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def readme_blocks() -> list[tuple[int, str, str]]:
    """(line number, language, body) of every fenced block, the install block left out."""
    text = (ROOT / "README.md").read_text()
    blocks = [(text[:m.start()].count("\n") + 1, m.group(1), m.group(2)) for m in FENCE.finditer(text)]
    return blocks[1:]


def test_readme_opens_with_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    assert text.index("```sh") < 200
    assert len(readme_commands()) == 2


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_every_subcommand_mentioned_in_the_readme_exists():
    from callsite.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    text = (ROOT / "README.md").read_text()
    mentioned = set(re.findall(r"(?:`|bin/)dlrsim ([a-z]+)", text))
    assert mentioned <= set(sub.choices), mentioned - set(sub.choices)


def test_yaml_workload_examples_load():
    from callsite.workload import load_workload, parse_document

    docs = [(line, body) for line, lang, body in readme_blocks()
            if lang == "yaml" and "dlrsim-workload/1" in body]
    assert docs, "the README shows the workload format"
    for line, body in docs:
        load_workload(parse_document(body, f"README.md:{line}"))


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True,
                          text=True).stdout


def _fresh_clone(folder: Path) -> dict:
    """A folder that looks like a fresh clone with its .venv, running this checkout's code."""
    for entry in ROOT.iterdir():
        if entry.name in (".git", ".venv", "dlrsim-out") or entry.name.startswith((".pytest", "__pycache__")):
            continue
        (folder / entry.name).symlink_to(entry)
    bin_dir = folder / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, tail in (("python", '"$@"'), ("dlrsim", '-m callsite "$@"')):
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" {tail}\n')
        shim.chmod(0o755)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    env.pop("DLRSIM_DEBUG", None)
    return env


def _check(what: str, p: subprocess.CompletedProcess, allowed: set[int]) -> None:
    assert p.returncode in allowed, f"{what}: exit {p.returncode}\n{p.stderr[-2000:]}"
    assert "Traceback" not in p.stderr, f"{what}:\n{p.stderr[-2000:]}"


def test_readme_examples_run_from_a_fresh_clone(tmp_path):
    clone = tmp_path / "clone"
    clone.mkdir()
    env = _fresh_clone(clone)
    before = _git_status()
    ran = 0
    for line_no, lang, body in readme_blocks():
        if lang == "sh":
            for offset, line in enumerate(body.splitlines()):
                if not line.strip():
                    continue
                where = f"README.md:{line_no + 1 + offset}: {line.strip()}"
                assert line.startswith(RUN_PREFIXES), f"{where}: a ```sh line starts with one of {RUN_PREFIXES}"
                comment = line.partition(" #")[2]
                allowed = {0, 1} if re.search(r"exit (code )?1\b", comment) else {0}
                t0 = time.monotonic()
                p = subprocess.run(["bash", "-c", line], cwd=clone, env=env, capture_output=True, text=True,
                                   timeout=COMMAND_TIMEOUT)
                print(f"{time.monotonic() - t0:6.1f} s  {where}")
                _check(where, p, allowed)
                ran += 1
        elif lang == "python":
            p = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c", body], cwd=clone, env=env,
                               capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
            _check(f"README.md:{line_no}: python block", p, {0})
            ran += 1
    assert ran >= 5
    assert _git_status() == before, "README examples wrote into the repository"
