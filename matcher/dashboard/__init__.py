"""The marketplace dashboard: read-only views of the book and the chain, and the page.

The page lives in ``static/`` (plain ES modules; uPlot is vendored into
``static/vendor/`` by ``scripts/build_dashboard.py``). Serve it by setting
``MatcherSettings.static_dir = STATIC_DIR``; it is then at ``/dashboard/``.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"

__all__ = ["STATIC_DIR"]
