"""The ``campaign`` command line: one module per command group, each parsing its options, calling
one library function and formatting what comes back; shared options live in ``options``.
Nothing here holds business logic a web dashboard would need."""

from campaign.cli.app import cli, main

__all__ = ["cli", "main"]
