"""The corpus: every expected finding, and nothing else, at the exact position."""

from __future__ import annotations

import pytest

from .markers import CORPUS, expectations

# Explicit counts, so that losing a marker is caught as well as a finding.
EXPECTED_COUNTS = {
    "seed_article.cs": 2,
    "casts_receivers.cs": 10,
    "sources.cs": 13,
    "flow.cs": 12,
    "flow_sensitive.cs": 4,
    "loops.cs": 16,
    "lambdas_generics.cs": 12,
    "partial_a.cs": 0,
    "partial_b.cs": 3,
    "preprocessor_suppress.cs": 5,
    "callsites.cs": 5,
    "instances.cs": 5,
    "callsites_lifetime.cs": 2,
    "unknown_origin.cs": 3,
    "operators_misc.cs": 8,
    "syntax_error.cs": 1,
    "preprocessor_split.cs": 1,
    "callbacks.cs": 4,
    "origins_and_flows.cs": 17,
    "not_call_sites.cs": 3,
    "callsites_held.cs": 2,
}


def test_every_corpus_file_is_counted():
    assert sorted(p.name for p in CORPUS.glob("*.cs")) == sorted(EXPECTED_COUNTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_corpus_file(name, corpus_findings):
    expected = expectations(CORPUS / name)
    assert len(expected) == EXPECTED_COUNTS[name], "markers and EXPECTED_COUNTS disagree"
    got = {(f.file.rsplit("/", 1)[-1], f.line, f.column, f.rule)
           for f in corpus_findings if f.file.endswith("/" + name)}
    missing = sorted(expected - got)
    unexpected = sorted(got - expected)
    assert not missing and not unexpected, f"missing={missing} unexpected={unexpected}"
    n = sum(1 for f in corpus_findings if f.file.endswith("/" + name))
    assert n == EXPECTED_COUNTS[name]


def test_dlr002_messages_say_what_repeats(corpus_findings):
    import re
    why = {m.group(1) for f in corpus_findings if f.rule == "DLR002"
           for m in [re.search(r"\(((?:inside|in) [^)]*)\)", f.message)] if m}
    assert {"in a recursive method: once per call", "in an event handler: once per event",
            "inside a query: once per element", "inside a while loop: once per iteration",
            "in a method passed as a callback: once per call"} <= why
    assert not any("inside a loop: once per iteration" in f.message for f in corpus_findings)
