"""The scripts in examples/ run as a user would run them, on the bundled logs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES

ROOT = Path(__file__).parent.parent


def _run(script: str, log: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), str(log)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_failed_notifies_example() -> None:
    result = _run(
        "failed_notifies.py",
        FIXTURES / "ikev2" / "composed-responder-invalid-ke-then-ts-unacceptable.log",
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "line 9: IKEv2-ERROR session 12: Failed to find a matching policy",
        "line 10: sent INVALID_KE_PAYLOAD (203.0.113.30, IKE_SA_INIT)",
        "line 37: IKEv2-ERROR session 13: Traffic selectors are not acceptable",
        "line 38: sent TS_UNACCEPTABLE (203.0.113.30, IKE_AUTH)",
        "line 50: sent TS_UNACCEPTABLE (203.0.113.30, CREATE_CHILD_SA)",
    ]


def test_ikev1_steps_example() -> None:
    result = _run(
        "ikev1_steps.py", FIXTURES / "ikev1" / "composed-initiator-psk-mismatch-mm5-retransmits.log"
    )
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "203.0.113.20: MM1 sent, MM2 received, MM3 sent, MM4 received, MM5 sent,"
        " MM4 received again, MM5 sent again x5"
    ]
