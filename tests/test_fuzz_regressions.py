"""Every input kept from fuzzing replays through the fuzz target's own check: no exception,
every line accounted for once."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
INPUTS = sorted(
    path for path in (ROOT / "tests" / "fuzz_regressions").iterdir() if path.name != "README.md"
)


def _target() -> object:
    spec = importlib.util.spec_from_file_location("fuzz_parse", ROOT / "fuzz" / "fuzz_parse.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECK = _target().check  # type: ignore[attr-defined]


def test_there_are_inputs_to_replay() -> None:
    assert len(INPUTS) >= 20


@pytest.mark.parametrize("path", INPUTS, ids=lambda path: path.name[:12])
def test_fuzz_input_replays(path: Path) -> None:
    CHECK(path.read_bytes())


def test_the_check_catches_a_lost_line(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _target()
    real = module.parse_lines  # type: ignore[attr-defined]
    monkeypatch.setattr(module, "parse_lines", lambda lines, year: list(real(lines, year=year))[1:])
    with pytest.raises(AssertionError):
        module.check(b"%SYS-5-CONFIG_I: one\n%SYS-5-CONFIG_I: two\n")  # type: ignore[attr-defined]
