"""The project's exceptions: one base, and a subclass per thing a user can act on."""

from __future__ import annotations


class IkeDebuglogError(Exception):
    """Base of every error ike-debuglog raises on purpose."""


class InputError(IkeDebuglogError):
    """The input cannot be read: missing file, a directory, no permission."""


class UsageError(IkeDebuglogError):
    """An option or argument is not valid."""
