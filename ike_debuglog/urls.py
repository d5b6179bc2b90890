"""Logs by URL: any fsspec file system (S3, GCS, HDFS, HTTP, memory, ...) as input.

Part of reading (docs/input.md, "Logs by URL"): a URL becomes an open binary stream here,
and :mod:`.reading` reads that stream by the same policy as a file, compression
included (recognised by its magic bytes, so fsspec is asked to decompress nothing).
fsspec is imported on the first URL only: a local path never pays for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, BinaryIO, Final, cast

from .errors import InputError

#: Two letters at least: a Windows drive (``C://``) is no protocol.
_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")
_GLOB: Final = re.compile(r"[*?\[]")
#: HTTP has no listing to expand a glob over, and ``?`` starts its query string.
_LITERAL: Final = frozenset({"http", "https"})
#: Protocols whose file system is one of our extras: the package, and the extra to install.
_EXTRAS: Final = {
    "s3": ("s3fs", "s3"),
    "s3a": ("s3fs", "s3"),
    "gs": ("gcsfs", "gcs"),
    "gcs": ("gcsfs", "gcs"),
}


def is_url(path: object) -> bool:
    """Whether an input names a URL (``protocol://...``) rather than a local path."""
    return isinstance(path, str) and _URL.match(path) is not None


def _protocol(url: str) -> str:
    return url.split("://", 1)[0].lower()


def _is_glob(url: str) -> bool:
    return _protocol(url) not in _LITERAL and _GLOB.search(url) is not None


def _file_system(url: str) -> tuple[Any, str]:
    """The fsspec file system of a URL and the path within it."""
    import fsspec.core  # lazily: a local path never imports it

    try:
        return cast(tuple[Any, str], fsspec.core.url_to_fs(url))
    except Exception as error:
        raise _input_error(url, error) from error


def matches(url: str) -> list[str]:
    """The URLs of the files a URL names: a glob's matches, sorted (the shell cannot
    expand a URL), or the URL itself.  A glob matching no file is an input error."""
    if not _is_glob(url):
        return [url]
    file_system, path = _file_system(url)
    try:
        found = file_system.glob(path, detail=True)
    except Exception as error:
        raise _input_error(url, error) from error
    files = sorted(
        file_system.unstrip_protocol(name)
        for name, info in found.items()
        if info.get("type") != "directory"
    )
    if not files:
        raise InputError(f"{url}: no file matches")
    return files


def expanded(paths: Iterable[str]) -> list[str]:
    """Inputs with each URL glob replaced by its matches; other inputs as they are."""
    return [found for path in paths for found in (matches(path) if is_url(path) else [path])]


def single(url: str) -> str:
    """The one file a URL names (a glob must match exactly one)."""
    found = matches(url)
    if len(found) > 1:
        raise InputError(f"{url}: matches {len(found)} files; this reads one")
    return found[0]


def open_url(url: str) -> BinaryIO:
    """An open binary stream of the file at ``url``, as the file system serves it."""
    file_system, path = _file_system(url)
    try:
        # compression=None: the reader recognises compression by magic bytes itself.
        return cast(BinaryIO, file_system.open(path, "rb", compression=None))
    except Exception as error:
        raise _input_error(url, error) from error


def _input_error(url: str, error: Exception) -> InputError:
    """One line for a user: what went wrong with the URL, and what to do about it.  The
    file systems raise what their client libraries raise, hence the broad net."""
    protocol = _protocol(url)
    why = _first_line(error)
    if isinstance(error, ImportError):
        if protocol in _EXTRAS:
            package, extra = _EXTRAS[protocol]
            return InputError(f"{protocol}:// needs {package}: pip install 'ike-debuglog[{extra}]'")
        return InputError(f"{protocol}:// needs a package that is not installed: {why}")
    if isinstance(error, ValueError) and why.startswith("Protocol not known"):
        return InputError(f"{url}: unknown protocol {protocol}://")
    if isinstance(error, FileNotFoundError):
        return InputError(f"{url}: no such file")
    if isinstance(error, IsADirectoryError):
        return InputError(f"{url}: is a directory, not a log file")
    if isinstance(error, PermissionError):
        return InputError(f"{url}: access denied ({why})")
    if type(error).__name__ in {"NoCredentialsError", "PartialCredentialsError"}:
        return InputError(f"{url}: no credentials ({why}); see docs/input.md, Logs by URL")
    if isinstance(error, OSError):
        return InputError(f"{url}: {why}")
    return InputError(f"{url}: cannot be read ({type(error).__name__}: {why})")


def _first_line(error: Exception) -> str:
    """An error's first line: a client library may explain itself over a hundred (a JVM
    that HDFS could not load lists every folder it looked in)."""
    text = (error.strerror if isinstance(error, OSError) else None) or str(error)
    return text.strip().split("\n", 1)[0] or type(error).__name__


__all__ = ["expanded", "is_url", "matches", "open_url", "single"]
