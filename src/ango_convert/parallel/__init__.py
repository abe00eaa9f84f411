"""Using every core for one conversion (``--jobs N``): forked worker processes, each
converting its own shard of the input, and the small in-order merge in the parent.

Readers that can cut their input into shards (NDJSON exports by byte range, a loaded
COCO document by image range) hand out :class:`~ango_convert.parallel.shards.ShardedItems`;
writers that can write shards (COCO, YOLO) run them through :meth:`Jobs.staged`. Every
decision that depends on earlier items (ids, unique file names, the YOLO task) is taken
in the parent, in shard order, so the output is byte-identical whatever ``N``.
"""

from ango_convert.parallel.jobs import Jobs, ShardFailed, usable_cores
from ango_convert.parallel.shards import ShardedItems, sharded

__all__ = ["Jobs", "ShardFailed", "ShardedItems", "sharded", "usable_cores"]
