"""Sessions of many files, on any engine: a stage per file, and a second that rejoins the
sessions a file boundary cut in two.

An engine (worker processes, Dask, Spark) runs :func:`file_result` once per file, in a
task; the driver hands the results to :func:`rejoin` (an Arrow table) or
:func:`fleet_sessions` (models).  A file is never split: packet blocks and the IKEv1 step
inference span lines.  The rule, its limits and the line numbers of a session that spans
files are in docs/sessions.md, "Sessions across files".

Stage 1 correlates the file alone and keeps apart the sessions that may continue in
another file, its *edges*: a session none of whose records ended it (IKE SA deleted,
``Initial exchange failed``, ``IKE_DEST_SA``), or whose last record is among the file's
last :data:`WINDOW` session records (late teardown records join it in one process), or
whose first record does not begin a negotiation (an IKE_SA_INIT request, the policy
lookups before one, an MM1 or AM1, ``Created a peer struct``, an ``sa_request``), or whose
first record is among the file's first :data:`WINDOW` session records (the retry after
INVALID_KE_PAYLOAD, an MM1 sent again, join the session before them).  So is every
session record of the first :data:`WINDOW` that joined no session: in one process it
joins the session last active on its host.  Everything an edge holds is kept: its
events and its session.

Stage 2 groups the edge sessions of all files by host and key (IKEv2 initiator SPI and
IOS session ids, IKEv1 connection ids, the peer address), a record that joined no session
with every edge of its host in its file, the next, and the last file before it that has
one (a small file between may have none), or, with no edge there, with the like records
of its host in the files before; a group whose pieces come from one file
stays as it was, the others are correlated again from their events, in file order,
numbered as in the concatenation of the files, a record repeated by an overlapping file
(same host, time stamp and content) counted once.

A file rotated by size may cut inside a record (a packet block, an ``sa_request`` block,
a wrapped line): each file keeps the raw lines of its first and last records, and stage 2
frames the last record of one file and the first of the next again as one input; when
the next file's first line continues the record, the joined record's events replace the
two partial ones, and the groups that held those are correlated again.

Each file is dated from the year given (``--year``): a file that begins after a Dec 31 the
file before it crossed needs its own year (docs/sessions.md); stage 2 infers none.
"""

from .numbers import walk_lines
from .stage1 import (
    JOIN_LINES,
    SESSION_COLUMN,
    WINDOW,
    Ends,
    FileResult,
    Part,
    Split,
    file_result,
    part_of,
    part_of_lines,
    record_ends,
    split_sessions,
)
from .stage2 import fleet_sessions, ordered, rejoin, rejoin_parts

__all__ = [
    "JOIN_LINES",
    "SESSION_COLUMN",
    "WINDOW",
    "Ends",
    "FileResult",
    "Part",
    "Split",
    "file_result",
    "fleet_sessions",
    "ordered",
    "part_of",
    "part_of_lines",
    "record_ends",
    "rejoin",
    "rejoin_parts",
    "split_sessions",
    "walk_lines",
]
