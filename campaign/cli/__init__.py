"""The ``campaign`` command line: each module parses one command group's options, calls the library
and formats what comes back. Nothing here holds business logic a web dashboard would need."""

from campaign.cli.main import cli, main

__all__ = ["cli", "main"]
