"""Reading Web API arguments the way Slack does, and the error a handler raises to answer `ok: false`.

Form-encoded callers send everything as strings (`"true"`, `"1"`, `"42"`, JSON in a string); JSON
callers send real types. Handlers read through `Args` so both arrive at the same values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """Answer the call with `{"ok": false, "error": ...}` plus `extra` keys, with HTTP `status`."""

    def __init__(self, error: str, *, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*messages: str) -> ApiError:
    """Slack's generic refusal, which names the problem in `response_metadata.messages`."""
    return ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {m}" for m in messages]})


def blocks_error(problems: list[str]) -> ApiError:
    """Slack's refusal of bad blocks in a message: the reasons both in `errors` and in the metadata."""
    return ApiError(
        "invalid_blocks",
        errors=problems,
        response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
    )


class Args:
    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def present(self, name: str) -> bool:
        """Slack treats an empty string the same as a missing argument."""
        value = self._values.get(name)
        return value is not None and value != ""

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def string(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        return (
            value
            if isinstance(value, str)
            else json.dumps(value)
            if isinstance(value, dict | list)
            else str(value)
        )

    def flag(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes")

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise invalid_arguments(f"{name} must be an integer")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_arguments(f"{name} must be an integer") from None

    def document(self, name: str, *, error: str) -> Any:
        """A JSON-valued argument, already decoded by the request parser; a string left here did not parse."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            raise ApiError(error)
        return value

    def csv(self, name: str) -> list[str]:
        value = self._values.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]
