from __future__ import annotations


class DomainError(Exception):
    """A refusal a user can cause. `code` is stable and mapped to a translated message by handlers.

    Raise it before writing anything, or after ending the transaction: a handler goes on using its
    session (and FSM storage uses another connection, which an open SQLite write would block)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class PermissionDenied(DomainError):
    def __init__(self, code: str = "forbidden", **params: object) -> None:
        super().__init__(code, **params)
