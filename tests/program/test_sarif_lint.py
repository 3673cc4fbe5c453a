"""`dlrsim run --format sarif` (runtime findings under the linter's rule IDs) and `--lint SRC`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.program.conftest import PROGRAMS, marker_line, need

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "lint" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture(autouse=True)
def _mono():
    need("mono")


def test_sarif_results_at_the_source_line(runner, corpus):
    done = runner.cli("--format", "sarif", str(corpus["ComLeak"]), "60")
    assert done.returncode == 1, done.stderr  # an error-level finding
    doc = json.loads(done.stdout)
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    line = marker_line("ComLeak", "COM_LEAK")
    got = sorted((r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
                 for r in run["results"])
    # identity churn under the linter's in-a-loop rule, the stale rules it leaves under DLR001
    assert got == [("DLR001", "warning", line), ("DLR002", "error", line)]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("ComLeak.cs")
    assert run["invocations"][0]["properties"]["programExitCode"] == 0


def test_lint_found_and_not_leaked(runner, corpus):
    rep = runner.report("--lint", str(PROGRAMS), str(corpus["ComLeak"]), "60")
    lint = rep["lint"]
    line = marker_line("ComLeak", "COM_LEAK")
    assert [(Path(f["file"]).name, f["line"], f["lint"]) for f in lint["found"]] == [("ComLeak.cs", line, ["DLR002"])]
    assert lint["missed"] == []
    # the per-execution sites the linter flags in the other programs did not run here
    assert sorted(Path(f["file"]).name for f in lint["not_leaked"]) == ["RecordMe.cs", "Shapes.cs"]


def test_lint_missed(runner, corpus):
    """The COM object reaches the site through a parameter whose callers the linter was not shown."""
    janitor = PROGRAMS / "ComHidden" / "Janitor.cs"
    rep = runner.report("--lint", str(janitor.parent), str(corpus["ComHidden"]), "40")
    line = next(k for k, t in enumerate(janitor.read_text().splitlines(), 1) if "HIDDEN_LEAK" in t)
    lint = rep["lint"]
    assert lint["found"] == [] and lint["not_leaked"] == []
    assert [(Path(m["file"]).name, m["line"], m["runtime"]) for m in lint["missed"]] == [
        ("Janitor.cs", line, ["dead-rule-retention", "identity-churn"])]
