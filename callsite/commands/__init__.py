"""CLI subcommands, one module each.

Every module here defines ``register(subparsers)`` which adds its subcommand
and sets ``func`` (taking the parsed ``args``, returning an exit code). The CLI
discovers modules automatically, so adding a command never touches ``cli.py``.
"""
