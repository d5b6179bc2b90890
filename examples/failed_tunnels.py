"""Print the tunnels that did not come up in a `show logging` dump a script saved, and why.

python examples/failed_tunnels.py show-logging.txt

    203.0.113.99  IKEv2  initiator  failed: peer_not_responding (lines 52-66)
        hint: The peer never answered: check that it is reachable on UDP 500 ...

Exit status 1 when a tunnel failed, so a scheduled job can alert on it.
"""

from __future__ import annotations

import sys

import ike_debuglog


def main(path: str) -> int:
    failed = 0
    for session in ike_debuglog.correlate(ike_debuglog.parse_file(path)):
        if session.outcome == "established":
            continue
        failed += 1
        role = session.role or "unknown role"
        print(
            f"{session.peer or '?':15} IKEv{session.ike_version or '?'}  {role}  "
            f"{session.outcome}: {session.reason or 'unknown'} "
            f"(lines {session.first_line}-{session.last_line})"
        )
        for finding in session.findings[:1]:
            print(f"    hint: {finding.hint}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "examples/show-logging-ikev2.log"))
