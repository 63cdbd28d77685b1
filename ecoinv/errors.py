"""Errors the core raises on purpose; the CLI prints them as one line."""
from __future__ import annotations


class EcoinvError(Exception):
    """A problem the user can act on; ``exit_code`` is the CLI's exit status."""

    exit_code = 1
