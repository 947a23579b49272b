"""The ``peerweave`` command line (Typer + Rich), a thin shell over the library."""

from peerweave.cli import measure as _measure  # noqa: F401  (registers its commands)
from peerweave.cli.app import app, main

__all__ = ["app", "main"]
