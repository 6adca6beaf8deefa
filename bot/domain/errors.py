"""Domain errors. Handlers turn each into a private, specific message; nothing here knows about Slack."""

from __future__ import annotations


class DomainError(Exception):
    """Base: the message is safe to show to the Slack user who caused it."""


class CaseNotFound(DomainError):
    def __init__(self, case_id: int) -> None:
        super().__init__(f"There is no case #{case_id}.")
        self.case_id = case_id


class InvalidCaseRef(DomainError):
    def __init__(self, text: str) -> None:
        super().__init__(f"`{text}` is not a case number; use `42` or `#42`.")
