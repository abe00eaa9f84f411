"""Parsing many VOC files across worker processes (``--jobs``).

The sorted file list is cut into runs; each worker parses its runs with the decoder a
one-process read uses and sends the results back as plain tuples (a dataclass pickles
ten times slower), which the parent puts back in file order. Categories, ids and items
are then made in the parent exactly as in one process, so the dataset is the same. A
file that does not read fails its worker; the conversion then runs again in one process
(:class:`~ango_convert.parallel.ShardFailed`), which names the first bad file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ango_convert.formats.voc.decode import Parsed, read_checked
from ango_convert.formats.voc.locate import Context
from ango_convert.io.inside import Confinement
from ango_convert.parallel import Jobs
from ango_convert.parallel.shards import runs

#: Fewer files are parsed in one process: forking costs more than it saves.
MIN_PARALLEL_FILES = 2_000
#: Runs of files per worker, so a worker with slower files does not hold up the rest.
RUNS_PER_WORKER = 8


def parse_across(
    files: Sequence[Path],
    context: Context,
    confine: Confinement | None,
    suspects: set[str],
    jobs: Jobs,
) -> list[Parsed] | None:
    """Every file parsed, in order, across ``jobs``; None when there are too few files
    or workers to gain from it (the caller then parses them in one process).

    Raises:
        ShardFailed: A file did not read.
    """
    if jobs.count < 2 or len(files) < MIN_PARALLEL_FILES:
        return None
    parts = runs(len(files), jobs.count * RUNS_PER_WORKER)

    def parse_run(k: int) -> list[tuple[Any, ...]]:
        return [
            _as_tuple(read_checked(files[index], context, confine, suspects)) for index in parts[k]
        ]

    return [Parsed(*fields) for run in jobs.map(parse_run, len(parts)) for fields in run]


def _as_tuple(parsed: Parsed) -> tuple[Any, ...]:
    return (
        parsed.item_id,
        parsed.file_name,
        parsed.width,
        parsed.height,
        parsed.attributes,
        parsed.objects,
        parsed.image_path,
    )
