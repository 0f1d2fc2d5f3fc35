"""The one error a request answers with: an HTTP status and a JSON body (no tornado import).

The wings raise subclasses of `ApiError` (a user setting refused, an action refused or
failed); routes.py's base handler turns any of them into the answer, once, so no handler
catches them itself.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A request that cannot be carried out: `status` is the HTTP status to answer with,
    `message` what the user reads, and `to_json()` the whole body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message}
