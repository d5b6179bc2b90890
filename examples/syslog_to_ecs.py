"""Turn a syslog-server file into Elastic Common Schema documents, one JSON per line, for
Filebeat (a `filestream` input with the `ndjson` parser) or Logstash (`json_lines` codec).

python examples/syslog_to_ecs.py /var/log/network/routers.log > routers.ecs.ndjson

Each IKE/IPsec or syslog record becomes an event document; each IKE session, once it has
ended, a session document (`event.dataset: ike_debuglog.sessions`) with its outcome and
reason.  One pass, constant memory: it works on a file of any size.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import ike_debuglog
from ike_debuglog.render import ecs


def documents(path: str) -> Iterator[dict[str, Any]]:
    """Event documents in input order, each session's document as soon as it ends; a
    record without a time stamp takes its neighbour's (`ike.timestamp_inferred`)."""
    ended: list[ike_debuglog.Session] = []
    correlator = ike_debuglog.Correlator()

    def events() -> Iterator[ike_debuglog.Event]:
        for event in ike_debuglog.parse_file(path):
            ended.extend(correlator.feed(event))
            if event.kind != "unrecognized":
                yield event

    for document in ecs.event_documents(events()):
        yield document
        if ended:
            yield from ecs.session_documents(ended)
            ended.clear()
    yield from ecs.session_documents([*ended, *correlator.flush()])


def main(path: str) -> int:
    for document in documents(path):
        sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "examples/syslog-server.log"))
