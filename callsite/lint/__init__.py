"""``dlrsim lint``: find C# dynamic call sites that leak on COM objects, without .NET.

The Python API is :func:`lint_paths`; the rules are in :data:`RULES`.
"""

from callsite.lint.engine import lint_paths, lint_source, run, select_rules
from callsite.lint.findings import RULES, Finding

__all__ = ["lint_paths", "lint_source", "run", "select_rules", "RULES", "Finding"]
