"""Looking at datasets: statistics, a diff that measures what changed, and previews.

Each view reads ``dataset.items`` once and keeps only aggregates or a bounded sample, so a
streamed dataset (an Ango export) of any size is looked at in flat memory. Previews need
Pillow (``pip install 'ango-convert[preview]'``), imported only when one is drawn.
"""

from __future__ import annotations

from ango_convert.views.diff import ClassDiff, DiffReport, diff
from ango_convert.views.preview import preview
from ango_convert.views.stats import ClassStats, Stats, stats

__all__ = ["ClassDiff", "ClassStats", "DiffReport", "Stats", "diff", "preview", "stats"]
