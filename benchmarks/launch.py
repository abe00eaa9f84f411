"""Run one command and record its wall time and peak RSS: launch.py RESULT_FILE CMD...

Linux counts the memory a child had before ``exec`` (a copy of its parent) into the
child's ``ru_maxrss``, so a child of the big runner process would report at least the
runner's size. This launcher is tiny: the runner starts it, it forks and executes the
command, reaps it with ``os.wait4`` (that child's own rusage) and writes
"seconds max_rss_kib exit_code" to RESULT_FILE. Run it with ``python -I -S``.
"""

import os
import sys
import time

result_file, command = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(result_file, "w") as out:  # noqa: PTH123 - no pathlib under -S, keep imports minimal
    out.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}\n")
