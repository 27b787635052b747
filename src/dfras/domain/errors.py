"""Errors a user can act on, each with the CLI exit code it maps to."""

from __future__ import annotations


class DfrasError(Exception):
    """Base of the errors DFRAS reports to a user; ``exit_code`` follows the CLI contract."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UserError(DfrasError):
    """The request cannot be served as asked (bad option, missing path, empty store)."""

    exit_code = 1


class FileRejected(DfrasError):
    """A whole input file was refused: unreadable, unrecognised, or missing required columns."""

    exit_code = 2

    def __init__(self, path: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path}: {message}", hint=hint)
        self.path = path


class NotFound(DfrasError):
    """The thing asked for (an order, a job, a report) does not exist; the API answers 404."""

    exit_code = 1
