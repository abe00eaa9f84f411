"""The floor: a bare orjson load + dump of the input, as one whole process.

Usage: floor.py INPUT OUTPUT. An ``.ndjson`` input is loaded line by line and written
back as one JSON array, which is what converting an export to one file has to do at least.
"""

import sys
from pathlib import Path

import orjson

source, target = Path(sys.argv[1]), Path(sys.argv[2])
if source.suffix == ".ndjson":
    with source.open("rb") as lines:
        document = [orjson.loads(line) for line in lines if line.strip()]
else:
    document = orjson.loads(source.read_bytes())
target.write_bytes(orjson.dumps(document))
