"""The public surface: ``__all__`` is sorted and complete, and the package is typed."""

from __future__ import annotations

from importlib import resources

import ike_debuglog


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_and_names_exist() -> None:
    assert ike_debuglog.__all__ == sorted(ike_debuglog.__all__, key=_isort_key)
    for name in ike_debuglog.__all__:
        assert hasattr(ike_debuglog, name), name


def test_every_public_name_is_exported() -> None:
    public = {
        name
        for name, value in vars(ike_debuglog).items()
        if not name.startswith("_") and not isinstance(value, type(ike_debuglog))
    }
    assert public - {"annotations"} <= set(ike_debuglog.__all__)


def test_package_ships_py_typed_and_grammars() -> None:
    root = resources.files("ike_debuglog")
    assert root.joinpath("py.typed").is_file()
    assert resources.files("ike_debuglog.grammars").joinpath("ikev2.py").is_file()


def test_every_subpackage_is_in_the_wheel() -> None:
    # setuptools lists packages by hand here: a new folder left out installs broken.
    import os
    import tomllib
    from pathlib import Path

    root = Path(__file__).parent.parent
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(Path(folder).relative_to(root).parts)
        for folder, _, files in os.walk(
            root / "ike_debuglog", followlinks=True
        )  # grammars/ is a link
        if "__init__.py" in files
    }
    assert found == listed
