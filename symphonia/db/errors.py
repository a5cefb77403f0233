"""Exceptions raised by the storage layer that services are expected to catch by name."""

from __future__ import annotations

from symphonia.core.errors import Conflict, SymphoniaError


class StorageError(SymphoniaError):
    """Base class for storage-layer errors raised by Symphonia itself (not by the driver)."""


class ImmutableRecordError(Conflict, StorageError):
    """A submitted fragment, a published synthesis version (or its statements and citations),
    an amendment, a publication or an audit event was about to be changed or deleted.

    These records are evidence and history: a change is a new row, never an overwrite.
    Raised by the ORM guard before any SQL is sent, and translated from the database
    triggers' error when raw SQL tries the same thing (see `symphonia.db.immutability`).
    """

    def __init__(
        self,
        table: str,
        operation: str,
        detail: str = "",
        database_error: Exception | None = None,
    ) -> None:
        message = f"{operation} on {table} refused: the record is immutable"
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)
        self.table = table
        self.operation = operation
        self.database_error = database_error
        """The SQLAlchemy error of the trigger's refusal; None when the ORM guard refused."""


class DatabaseUnreachable(StorageError):
    """The database named by the URL could not be reached (refused, unknown host, wrong
    password, no such database); the message names it, password hidden, and says why."""

    def __init__(self, shown_url: str, reason: str) -> None:
        super().__init__(f"cannot connect to the database {shown_url}: {reason}")
        self.reason = reason
