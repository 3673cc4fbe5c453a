"""Benchmark for ``dlrsim lint``: throughput, -j scaling, and semgrep side by side.

Run from the repository root:

    .venv/bin/python benchmarks/lint_bench.py            # 4 MB generated corpus
    .venv/bin/python benchmarks/lint_bench.py --mb 8 --jobs 1 2 --json out.json

semgrep is optional: install it with ``.venv/bin/pip install semgrep``. The
semgrep rule equivalent to DLR001 is ``benchmarks/dlr001.semgrep.yml``.
Goals: at least 1 MB/s of C# per core, scaling with -j, and at least 10x
faster than semgrep with one rule on the same corpus, each timed in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_lint_corpus import generate  # noqa: E402

RULE = ROOT / "benchmarks" / "dlr001.semgrep.yml"
TRUTH = ROOT / "tests" / "lint" / "corpus"


def corpus_bytes(d: Path) -> int:
    return sum(p.stat().st_size for p in d.rglob("*.cs"))


def time_cli(args: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "callsite", "lint", *args], cwd=ROOT,
                          capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"dlrsim lint failed ({proc.returncode}): {proc.stderr.strip()}")
    return dt, proc.stdout


# `callsite/__init__.py` imports the simulator (numpy, ...): about 0.15 s of every `dlrsim`
# start. This runs the same lint command with the package body skipped, to show what a lazy
# package __init__ would give a lint-only CI job.
LEAN = ("import sys, types; m = types.ModuleType('callsite'); m.__path__ = [sys.argv.pop(1)]; "
        "sys.modules['callsite'] = m; from callsite.lint.__main__ import main; sys.exit(main())")


def time_lean(args: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", LEAN, str(ROOT / "callsite"), *args], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"lean lint failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
    return time.perf_counter() - t0


def in_process(d: Path, jobs: int, quick: bool = False) -> float:
    """CPU seconds: the machine may be shared, and per-core throughput is what the goal is about."""
    from callsite.lint import engine
    enabled = engine.select_rules(None)
    t0 = time.process_time()
    engine.run([str(d)], enabled, jobs, quick)
    return time.process_time() - t0


def find_semgrep() -> str | None:
    cand = Path(sys.executable).with_name("semgrep")
    if cand.exists():
        return str(cand)
    return shutil.which("semgrep")


def run_semgrep(semgrep: str, target: Path) -> tuple[float, list[dict]]:
    cmd = [semgrep, "--config", str(RULE), "--metrics=off", "--disable-version-check",
           "--quiet", "--json", "-j", "1", str(target)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"semgrep failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return dt, json.loads(proc.stdout)["results"]


def truth() -> set[tuple[str, int, int]]:
    sys.path.insert(0, str(ROOT))
    from tests.lint.markers import expectations
    out = set()
    for p in TRUTH.glob("*.cs"):
        for name, line, col, rule in expectations(p):
            if rule in ("DLR001", "DLR002"):
                out.add((name, line, col))
    return out


def compare_on_truth(semgrep: str | None) -> dict:
    from callsite.lint import lint_paths
    want = truth()
    got_d = {(Path(f.file).name, f.line, f.column) for f in lint_paths([str(TRUTH)])
             if f.rule in ("DLR001", "DLR002")}
    res = {"expected": len(want), "dlrsim": score(want, got_d)}
    if semgrep:
        # semgrep skips tests/ directories by default: give it a copy elsewhere
        with tempfile.TemporaryDirectory(prefix="dlrsim-truth-") as tmp:
            for p in TRUTH.glob("*.cs"):
                shutil.copy(p, tmp)
            _dt, results = run_semgrep(semgrep, Path(tmp))
            got_s = {(Path(r["path"]).name, r["start"]["line"], r["start"]["col"]) for r in results}
        res["semgrep"] = score(want, got_s)
        res["semgrep_only"] = sorted(got_s - want)[:15]
        res["semgrep_missed_examples"] = sorted(want - got_s)[:15]
    return res


def score(want: set, got: set) -> dict:
    tp = len(want & got)
    return {"found": len(got), "true_pos": tp, "false_pos": len(got - want), "missed": len(want - got)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=8.0, help="generated corpus size")
    ap.add_argument("--dynamic-share", type=float, default=0.1,
                    help="share of generated files that use dynamic at all")
    ap.add_argument("--corpus", help="lint this directory instead of a generated one")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=3, help="best of N for throughput")
    ap.add_argument("--no-semgrep", action="store_true")
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args()

    tmp = None
    if args.corpus:
        d = Path(args.corpus)
    else:
        tmp = tempfile.mkdtemp(prefix="dlrsim-lint-bench-")
        d = Path(tmp)
        generate(tmp, int(args.mb * 1_000_000), seed=1, dynamic_share=args.dynamic_share)
    size = corpus_bytes(d)
    nfiles = len(list(d.rglob("*.cs")))
    mb = size / 1e6
    print(f"corpus: {nfiles} files, {mb:.2f} MB ({d})")
    out: dict = {"corpus_files": nfiles, "corpus_mb": round(mb, 3), "cpus": os.cpu_count()}

    # throughput per core: CPU time in process (parse + analysis), best of N
    for quick in (False, True):
        best = min(in_process(d, 1, quick) for _ in range(args.repeat))
        key = "in_process_quick" if quick else "in_process"
        out[key] = {"cpu_s": round(best, 3), "mb_per_s": round(mb / best, 2)}
        print(f"in-process, 1 core{' --quick' if quick else ''}: {best:.2f} CPU s = {mb / best:.2f} MB/s per core")

    # the CLI, one run per -j, startup included
    out["cli"] = {}
    for j in args.jobs:
        dt = min(time_cli(["-j", str(j), "--format", "json", str(d)])[0] for _ in range(args.repeat))
        out["cli"][j] = {"seconds": round(dt, 3), "mb_per_s": round(mb / dt, 2)}
        print(f"dlrsim lint -j {j}: {dt:.2f} s = {mb / dt:.2f} MB/s (startup included)")
    if len(args.jobs) > 1:
        j0, j1 = args.jobs[0], args.jobs[-1]
        sp = out["cli"][j0]["seconds"] / out["cli"][j1]["seconds"]
        out["scaling"] = round(sp, 2)
        print(f"scaling -j {j0} -> -j {j1}: {sp:.2f}x (wall clock: depends on other load on the machine)")
        # the work itself: CPU seconds spent (all processes) per wall second
        from callsite.lint import engine
        enabled = engine.select_rules(None)
        out["parallelism"] = {}
        for j in args.jobs:
            t0, c0, k0 = time.perf_counter(), time.process_time(), os.times().children_user
            engine.run([str(d)], enabled, j)
            wall = time.perf_counter() - t0
            cpu = time.process_time() - c0 + os.times().children_user - k0
            out["parallelism"][j] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                                     "cores_busy": round(cpu / wall, 2)}
            print(f"  in-process -j {j}: {wall:.2f} s wall, {cpu:.2f} CPU s, {cpu / wall:.2f} cores busy")

    semgrep = None if args.no_semgrep else find_semgrep()
    if semgrep is None and not args.no_semgrep:
        print("semgrep not found: install it with `.venv/bin/pip install semgrep` to compare")
    if semgrep:
        dt_s, results = run_semgrep(semgrep, d)
        found_s = {(Path(r["path"]).name, r["start"]["line"], r["start"]["col"]) for r in results}
        out["semgrep"] = {"semgrep_s": round(dt_s, 3), "semgrep_findings": len(found_s)}
        print(f"semgrep -j 1, one DLR001 rule: {dt_s:.2f} s, {len(found_s)} findings")
        for label, extra in (("dlrsim", []), ("dlrsim --quick", ["--quick"])):
            dt_d, stdout = time_cli(["-j", "1", *extra, "--rules", "DLR001,DLR002", "--format", "json", str(d)])
            found_d = {(Path(f["file"]).name, f["line"], f["column"]) for f in json.loads(stdout)
                       if f["rule"] != "DLR000"}
            out["semgrep"][label] = {
                "seconds": round(dt_d, 3), "speedup": round(dt_s / dt_d, 1),
                "findings": len(found_d), "both": len(found_s & found_d),
                "only_semgrep": len(found_s - found_d), "only_dlrsim": len(found_d - found_s),
            }
            print(f"{label} -j 1, DLR001+DLR002: {dt_d:.2f} s -> {dt_s / dt_d:.1f}x faster than semgrep; "
                  f"findings {len(found_d)}, both {len(found_s & found_d)}, "
                  f"only semgrep {len(found_s - found_d)}, only dlrsim {len(found_d - found_s)}")
        dt_l = min(time_lean(["-j", "1", "--quick", "--rules", "DLR001,DLR002", "--format", "json", str(d)])
                   for _ in range(args.repeat))
        out["semgrep"]["lean --quick"] = {"seconds": round(dt_l, 3), "speedup": round(dt_s / dt_l, 1)}
        print(f"dlrsim --quick without the simulator's package imports: {dt_l:.2f} s -> "
              f"{dt_s / dt_l:.1f}x faster than semgrep")
    cmp = compare_on_truth(semgrep)
    out["truth_corpus"] = cmp
    print(f"on tests/lint/corpus ({cmp['expected']} expected DLR001/DLR002 findings):")
    for tool in ("dlrsim", "semgrep"):
        if tool in cmp:
            s = cmp[tool]
            print(f"  {tool:8s} found {s['found']:3d}: {s['true_pos']} right, {s['false_pos']} wrong, "
                  f"{s['missed']} missed")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
