"""Benchmark for ``dlrsim lint``: throughput, -j scaling, and semgrep side by side.

Run from the repository root:

    .venv/bin/python benchmarks/lint_bench.py                      # 8 MB corpus, semgrep at 1/8/32 MB
    .venv/bin/python benchmarks/lint_bench.py --sizes 8 --runs 5 --json out.json

semgrep is optional: install it with ``.venv/bin/pip install semgrep`` (or the ``bench`` extra).
The semgrep rule equivalent to DLR001 is ``benchmarks/dlr001.semgrep.yml``.
Goals: at least 1 MB/s of C# per core, scaling with -j, and at least 10x faster than
semgrep with one rule on the same corpus, each tool timed in one run (a whole corpus per
process, startup included). Single runs vary, so each tool runs ``--runs`` times,
interleaved, and the worst case (slowest dlrsim run against the fastest semgrep run) is
reported next to the median.

semgrep skips the files that cannot match its rule (it reports no syntax error in them);
``dlrsim lint --quick`` does the same, so that is the like-for-like pair. Plain
``dlrsim lint`` parses every file to report syntax errors anywhere, and is timed too.
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

from callsite.lint.engine import cores  # noqa: E402

RULE = ROOT / "benchmarks" / "dlr001.semgrep.yml"
TRUTHS = [ROOT / "tests" / "lint" / "corpus", ROOT / "tests" / "lint" / "realistic"]


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


def run_semgrep(semgrep: str, target: Path, extra: list[str] | None = None) -> tuple[float, list[dict]]:
    cmd = [semgrep, "--config", str(RULE), "--metrics=off", "--disable-version-check",
           "--quiet", "--json", *(["-j", "1"] if extra is None else extra), str(target)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"semgrep failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return dt, json.loads(proc.stdout)["results"]


def semgrep_version(semgrep: str) -> str:
    proc = subprocess.run([semgrep, "--version", "--disable-version-check"], capture_output=True, text=True)
    return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "?"


def _stats(xs: list[float]) -> dict:
    xs = sorted(xs)
    return {"min": round(xs[0], 3), "median": round(xs[len(xs) // 2], 3), "max": round(xs[-1], 3)}


def side_by_side(semgrep: str, target: Path, runs: int, cores: int) -> dict:
    """Each configuration once per round, interleaved so that drifting load hits all alike.

    Per core: both tools with one job. Defaults: each tool as a user runs it, without
    ``-j`` (semgrep then uses one job per core, dlrsim one per core when there is enough
    to parse). Fastest of each: the quickest configuration of each tool on this machine."""
    mb = corpus_bytes(target) / 1e6
    sg_cfg = {"semgrep -j 1": ["-j", "1"], "semgrep": []}
    dl_cfg = {"dlrsim --quick -j 1": ["-j", "1", "--quick"], "dlrsim -j 1": ["-j", "1"],
              "dlrsim --quick": ["--quick"], "dlrsim": []}
    times: dict[str, list[float]] = {k: [] for k in [*sg_cfg, *dl_cfg]}
    found: dict[str, set] = {}
    for _ in range(runs):
        for label, extra in sg_cfg.items():
            dt, results = run_semgrep(semgrep, target, extra)
            times[label].append(dt)
            found[label] = {(Path(r["path"]).name, r["start"]["line"], r["start"]["col"]) for r in results}
        for label, extra in dl_cfg.items():
            dt, stdout = time_cli([*extra, "--rules", "DLR001,DLR002", "--format", "json", str(target)])
            times[label].append(dt)
            found[label] = {(Path(f["file"]).name, f["line"], f["column"]) for f in json.loads(stdout)
                            if f["rule"] != "DLR000"}
    st = {k: _stats(v) for k, v in times.items()}
    res: dict = {"corpus_mb": round(mb, 2), "cores": cores, "times": st}
    print(f"{mb:.1f} MB, {runs} single runs of each, interleaved (median, min-max):")
    for k in times:
        print(f"  {k:22s} {st[k]['median']:6.2f} s  ({st[k]['min']:.2f}-{st[k]['max']:.2f}), "
              f"{len(found[k])} findings")

    def ratio(sg: str, dl: str) -> dict:
        return {"median": round(st[sg]["median"] / st[dl]["median"], 1),
                "worst": round(st[sg]["min"] / st[dl]["max"], 1)}

    sg1 = "semgrep -j 1"
    res["per_core"] = {"dlrsim --quick": ratio(sg1, "dlrsim --quick -j 1"), "dlrsim": ratio(sg1, "dlrsim -j 1")}
    res["defaults"] = {"dlrsim --quick": ratio("semgrep", "dlrsim --quick"), "dlrsim": ratio("semgrep", "dlrsim")}
    best_sg = min(sg_cfg, key=lambda k: st[k]["median"])
    best_dl = min((k for k in dl_cfg if "--quick" in k), key=lambda k: st[k]["median"])
    res["per_machine"] = {"semgrep": best_sg, "dlrsim": best_dl, **ratio(best_sg, best_dl)}
    for name, r in res["per_core"].items():
        print(f"  per core, {name:15s} {r['median']:5.1f}x faster than semgrep -j 1 (worst case {r['worst']}x)")
    for name, r in res["defaults"].items():
        print(f"  defaults, {name:15s} {r['median']:5.1f}x faster than semgrep (worst case {r['worst']}x)")
    r = res["per_machine"]
    print(f"  fastest of each: {best_dl} vs {best_sg}: {r['median']}x (worst case {r['worst']}x)")
    sg, dl = found[sg1], found["dlrsim -j 1"]
    res["findings"] = {"semgrep": len(sg), "dlrsim": len(dl), "both": len(sg & dl),
                       "only_semgrep": len(sg - dl), "only_dlrsim": len(dl - sg)}
    print(f"  findings: semgrep {len(sg)}, dlrsim {len(dl)}, both {len(sg & dl)}, "
          f"only semgrep {len(sg - dl)}, only dlrsim {len(dl - sg)}")
    return res


def truth(where: Path) -> set[tuple[str, int, int]]:
    sys.path.insert(0, str(ROOT))
    from tests.lint.markers import expectations
    out = set()
    for p in where.rglob("*.cs"):
        for name, line, col, rule in expectations(p):
            if rule in ("DLR001", "DLR002"):
                out.add((name, line, col))
    return out


def compare_on_truth(semgrep: str | None, where: Path) -> dict:
    from callsite.lint import lint_paths
    want = truth(where)
    got_d = {(Path(f.file).name, f.line, f.column) for f in lint_paths([str(where)])
             if f.rule in ("DLR001", "DLR002")}
    res = {"expected": len(want), "dlrsim": score(want, got_d)}
    if semgrep:
        # semgrep skips tests/ directories by default: give it a copy elsewhere
        with tempfile.TemporaryDirectory(prefix="dlrsim-truth-") as tmp:
            for p in where.rglob("*.cs"):
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
    ap.add_argument("--sizes", type=float, nargs="+", default=[1.0, 8.0, 32.0],
                    help="generated corpus sizes (MB) for the semgrep comparison")
    ap.add_argument("--runs", type=int, default=3, help="single runs of each tool per size, interleaved")
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
    out: dict = {"corpus_files": nfiles, "corpus_mb": round(mb, 3), "cpus": cores()}

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
        out["semgrep"] = {"version": semgrep_version(semgrep), "runs": args.runs, "sizes": {}}
        for size_mb in args.sizes:
            if args.corpus or abs(size_mb - args.mb) < 1e-9:
                target, tmp2 = d, None
            else:
                tmp2 = tempfile.mkdtemp(prefix="dlrsim-lint-bench-")
                generate(tmp2, int(size_mb * 1_000_000), seed=1, dynamic_share=args.dynamic_share)
                target = Path(tmp2)
            out["semgrep"]["sizes"][str(size_mb)] = side_by_side(semgrep, target, args.runs, cores())
            if tmp2:
                shutil.rmtree(tmp2, ignore_errors=True)
    for where in TRUTHS:
        cmp = compare_on_truth(semgrep, where)
        out[f"truth_{where.name}"] = cmp
        print(f"on tests/lint/{where.name} ({cmp['expected']} expected DLR001/DLR002 findings):")
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
