"""Where the repository and the tests' data files are, whatever the test's own directory."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
DOCS = REPO / "docs"
