"""The ``peerweave`` command line (Typer + Rich), a thin shell over the library."""

from peerweave.cli.app import app, main

__all__ = ["app", "main"]
