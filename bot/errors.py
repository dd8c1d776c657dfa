"""Errors whose message is meant for the member who caused them."""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised by command code to stop and tell the member one short sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
