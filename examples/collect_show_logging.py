"""Collect `show logging` from routers with Netmiko (as a Nornir task would) and report the
IKE sessions that did not come up.

python examples/collect_show_logging.py --host 192.0.2.1 --username admin    # a device
python examples/collect_show_logging.py --saved examples/show-logging-ikev2.log  # no device

With --saved the script reads a file a previous run (or a colleague) saved instead of
connecting, so it runs anywhere; with --host it needs `pip install netmiko` and asks for
the password.  Each device's output is saved to `<host>.show-logging.txt` first, so the
evidence of a failure is kept.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import ike_debuglog


def collect(host: str, username: str) -> Path:
    """Fetch `show logging` over SSH and save it; returns the file."""
    from netmiko import ConnectHandler  # only needed when a device is asked for

    device = {
        "device_type": "cisco_xe",
        "host": host,
        "username": username,
        "password": getpass.getpass(f"password for {username}@{host}: "),
    }
    with ConnectHandler(**device) as connection:
        connection.send_command("terminal length 0")
        output = connection.send_command("show logging", read_timeout=120)
    saved = Path(f"{host}.show-logging.txt")
    saved.write_text(output, encoding="utf-8")
    return saved


def report(name: str, log: Path) -> int:
    """Print each session that failed or is incomplete; returns how many."""
    troubled = 0
    for session in ike_debuglog.correlate(ike_debuglog.parse_file(log)):
        if session.outcome != "established":
            troubled += 1
            span = f"lines {session.first_line}-{session.last_line}"
            print(
                f"{name}: {session.peer} IKEv{session.ike_version} {session.outcome}"
                f" ({session.reason}), {span}"
            )
    if not troubled:
        print(f"{name}: every IKE session came up")
    return troubled


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--host", action="append", help="device to collect from (repeatable)")
    source.add_argument("--saved", type=Path, action="append", help="saved output to read")
    parser.add_argument("--username", default=getpass.getuser())
    args = parser.parse_args(argv)
    logs = (
        [(str(path), path) for path in args.saved]
        if args.saved
        else [(host, collect(host, args.username)) for host in args.host]
    )
    troubled = sum(report(name, log) for name, log in logs)
    return 1 if troubled else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
