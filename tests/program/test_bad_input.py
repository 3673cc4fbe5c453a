"""`dlrsim run` on bad input and on programs that end badly: our errors are one line and exit 2;
what the program does (throw, Environment.Exit, hang) is reported, never confused with our exit."""

from __future__ import annotations

import json

import pytest

from tests.program.conftest import need, site_at


@pytest.fixture(autouse=True)
def _mono():
    need("mono")


def one_line_error(done, *words):
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("dlrsim run: error: "), done.stderr
    assert "Traceback" not in done.stderr
    for w in words:
        assert w in lines[0]


def test_not_an_assembly(runner, tmp_path):
    text = tmp_path / "notes.exe"
    text.write_text("hello\n")
    one_line_error(runner.cli(str(text)), str(text), "not a .NET assembly")
    elf = tmp_path / "native.exe"
    elf.write_bytes(b"\x7fELF" + bytes(200))
    one_line_error(runner.cli(str(elf)), "not a .NET assembly")
    one_line_error(runner.cli(str(tmp_path / "missing.exe")), "no such file")


def test_pe_without_cli_header(runner, tmp_path):
    """An MZ/PE file whose CLI data directory is empty (a native Windows executable)."""
    pe = bytearray(512)
    pe[0:2] = b"MZ"
    pe[60:64] = (64).to_bytes(4, "little")
    pe[64:68] = b"PE\0\0"
    pe[88:90] = (0x10B).to_bytes(2, "little")  # PE32 optional header, all data directories zero
    path = tmp_path / "native.exe"
    path.write_bytes(bytes(pe))
    one_line_error(runner.cli(str(path)), "native executable")


def test_no_entry_point(runner, corpus):
    one_line_error(runner.cli(str(corpus["Library"])), "no entry point")


def test_program_throws(runner, corpus):
    rep = runner.report(str(corpus["BadEnds"]), "throw")
    o = rep["outcome"]
    assert o["status"] == "threw" and o["exit_code"] is None
    assert o["exception"]["type"] == "System.InvalidOperationException"
    assert o["exception"]["message"] == "boom after 5"
    assert o["stdout"] == "before the end: 20\n"  # 2 * (0 + 1 + 2 + 3 + 4)
    mul = site_at(rep, "BadEnds", "BAD_ENDS", "BinaryOperation")
    assert (mul["member"], mul["calls"], mul["binds"]) == ("Multiply", 5, 1)
    assert rep["complete"]


def test_program_calls_environment_exit(runner, corpus):
    done = runner.cli("--json", str(corpus["BadEnds"]), "exit")
    assert done.returncode == 0  # ours: the run worked; the program's 42 is in the report
    rep = json.loads(done.stdout)  # nothing of the program's output mixed into the JSON
    assert rep["outcome"]["status"] == "exited" and rep["outcome"]["exit_code"] == 42
    assert done.stderr == "before the end: 42\n"  # passed through on stderr...
    assert rep["outcome"]["stdout"] == "before the end: 42\n"  # ...and recorded
    assert site_at(rep, "BadEnds", "BAD_ENDS", "Convert")["calls"] == 7
    assert rep["complete"]


def test_program_hangs(runner, corpus):
    rep = runner.report("--timeout", "4", str(corpus["BadEnds"]), "hang")
    assert rep["outcome"]["status"] == "timed-out" and rep["outcome"]["exit_code"] is None
    assert not rep["complete"]  # the last state the worker wrote while the program slept
    assert site_at(rep, "BadEnds", "BAD_ENDS", "BinaryOperation")["calls"] == 3
    assert rep["outcome"]["stdout"] == "before the end: 6\n"


def test_text_output_passes_program_output_through(runner, corpus):
    done = runner.cli(str(corpus["BadEnds"]), "exit")
    assert done.returncode == 0
    assert done.stdout.startswith("before the end: 42\n")
    assert "program called Environment.Exit(42)" in done.stdout


def test_ctrl_c_stops_the_worker(corpus, tmp_path):
    """Ctrl-C on `dlrsim run` ends the run and the worker (its own process group) with it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.program.conftest import REPO

    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "callsite", "run", "--out", str(out), str(corpus["BadEnds"]), "hang"],
                            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(REPO)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = out / "events.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and '"event":"state"' not in (events.read_text() if events.exists() else ""):
        time.sleep(0.2)
    hello = json.loads(events.read_text().splitlines()[0])
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.kill(hello["pid"], 0)  # the worker is gone


def test_bad_options_are_refused_before_the_program_runs(runner, corpus, tmp_path):
    """Timeouts as everywhere (finite, above 0); output paths checked first, so a long run cannot
    fail at its end because --record or --heapshots names a folder or an unwritable place."""
    prog = str(corpus["Managed"])
    one_line_error(runner.cli("--timeout", "nan", prog), "--timeout", "nan")
    one_line_error(runner.cli("--timeout", "-1", prog), "--timeout")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    one_line_error(runner.cli("--record", str(blocker / "r.yaml"), prog), "--record", "is a file, not a folder")
    one_line_error(runner.cli("--heapshots", str(tmp_path), prog), "--heapshots", "is a folder")
    one_line_error(runner.cli("--out", str(blocker), prog), "--out", "is a file, not a folder")
