from __future__ import annotations


class DomainError(Exception):
    """A refusal a user can cause. `code` is stable and mapped to a translated message by handlers."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class PermissionDenied(DomainError):
    def __init__(self, code: str = "forbidden", **params: object) -> None:
        super().__init__(code, **params)
