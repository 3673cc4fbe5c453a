"""Shared fixtures for the linter tests."""

from __future__ import annotations

import pytest

from .markers import CORPUS, expectations  # noqa: F401  (re-exported for the tests)


@pytest.fixture(scope="session")
def corpus_findings():
    from callsite.lint import lint_paths
    return lint_paths([str(CORPUS)], all_rules=True)
