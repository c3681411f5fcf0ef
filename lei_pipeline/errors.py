"""Errors a user can act on. The CLI prints their message as one line (no traceback unless
--debug); the Dagster layer turns them into failed checks or failed runs with the same words."""


class LeiError(Exception):
    """Base class: the message is complete and meant for the user."""

    exit_code = 1


class UsageError(LeiError):
    """The command was misused or a file cannot be read at all."""

    exit_code = 2
