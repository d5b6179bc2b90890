"""Print every IKEv2 error notify and IKEv2-ERROR record of a saved `show logging` dump.

python examples/failed_notifies.py examples/show-logging-ikev2.log
"""

from __future__ import annotations

import sys

import ike_debuglog
from ike_debuglog import registry


def main(path: str) -> int:
    """Print one line per error found; return 1 when there was any, else 0."""
    found = 0
    for event in ike_debuglog.parse_file(path):
        if isinstance(event, ike_debuglog.Ikev2Packet):
            for payload in event.payloads or []:
                code = payload.notify_code
                if code is not None and registry.is_error_notify(code):
                    peer = event.remote.address if event.remote else "?"
                    where = f"({peer}, {event.exchange})"
                    print(f"line {event.line}: {event.direction} {payload.notify} {where}")
                    found += 1
        elif isinstance(event, ike_debuglog.Ikev2Error):
            text = event.message or "(empty)"
            print(f"line {event.line}: IKEv2-ERROR session {event.session_id}: {text}")
            found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "examples/show-logging-ikev2.log"))
