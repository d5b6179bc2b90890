"""Run a command with its output thrown away; print its peak resident set size in KB.

The bench runs each measured command through this small process, so that the peak is the
command's own (``ru_maxrss`` of a forked child also counts the parent copied at fork)."""

from __future__ import annotations

import resource
import subprocess
import sys

done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(done.returncode)
