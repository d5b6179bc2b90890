"""Tell, for each IKEv1 peer in a log, how far Main/Aggressive/Quick Mode got, step by step.

python examples/ikev1_steps.py router.log

    203.0.113.20: MM1 sent, MM2 received, MM3 sent, MM4 received, MM5 sent,
      MM4 received again, MM5 sent again x5
"""

from __future__ import annotations

import sys
from collections import defaultdict

import ike_debuglog


def main(path: str) -> int:
    """Print one summary per peer; runs of the same step collapse into `again xN`."""
    steps: defaultdict[str, list[str]] = defaultdict(list)
    for event in ike_debuglog.parse_file(path):
        if isinstance(event, ike_debuglog.Ikev1Packet):
            what = f"{event.step or event.state or '?'} {event.direction}"
            steps[event.remote.address].append(what + (" again" if event.retransmission else ""))
    for peer, seen in steps.items():
        parts: list[str] = []
        for what in seen:
            if parts and parts[-1].split(" x")[0] == what and what.endswith(" again"):
                count = int(parts[-1].rsplit(" x", 1)[1]) if " x" in parts[-1] else 1
                parts[-1] = f"{what} x{count + 1}"
            else:
                parts.append(what)
        print(f"{peer}: {', '.join(parts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
