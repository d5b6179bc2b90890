"""Serve Prometheus metrics of a router log while it grows, for a scrape job:

python examples/serve_metrics.py /var/log/network/hub.log --port 9477

    # prometheus.yml
    scrape_configs:
      - job_name: ike
        static_configs: [{targets: ["logs-host:9477"]}]

Then alert on, say, `increase(ike_sessions_total{outcome="failed"}[15m]) > 0`.  The same
as `ike-debuglog metrics FILE --serve PORT`, written out to show the library calls.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator

from prometheus_client import start_http_server

import ike_debuglog
from ike_debuglog.render.metrics import Metrics
from ike_debuglog.stream import follow_file


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", default="examples/show-logging-ikev2.log")
    parser.add_argument("--port", type=int, default=9477)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    args = parser.parse_args(argv)
    metrics = Metrics()
    start_http_server(args.port, addr=args.bind, registry=metrics.registry)
    print(f"serving http://{args.bind}:{args.port}/metrics", file=sys.stderr, flush=True)
    deadline = None if args.seconds is None else time.monotonic() + args.seconds

    def stop() -> bool:
        return deadline is not None and time.monotonic() > deadline

    def observed() -> Iterator[ike_debuglog.Event]:
        for event in follow_file(args.log, until=stop):
            metrics.observe_event(event)
            yield event

    for session in ike_debuglog.Correlator().run(observed()):
        metrics.observe_session(session)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
