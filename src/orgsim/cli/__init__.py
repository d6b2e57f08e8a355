"""The command line (``orgsim ...``, ``python -m orgsim``)."""

from orgsim.cli.commands import main

__all__ = ["main"]
