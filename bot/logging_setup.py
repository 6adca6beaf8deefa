"""Structured (JSON) logs. Secrets are `SecretStr` everywhere, so they cannot reach a record by repr;
the filter below is the second line of defence for tokens that arrive in free text."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

_TOKEN = re.compile(r"\b(xox[abprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+[A-Za-z0-9._~+/=-]+)")


def redact_secrets(text: str) -> str:
    return _TOKEN.sub("[secret]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact_secrets(record.getMessage()),
        }
        if record.exc_info:
            entry["exc"] = redact_secrets(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at emit time; test runners and tools swap it, and a handler
    bound to a swapped-out stream would fail on every later line."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(level: str = "INFO") -> None:
    handler = CurrentStderrHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # slack_bolt.RequestVerification logs the body of a refused (forged) request at INFO: never ours to keep.
    for noisy in (
        "httpx",
        "httpcore",
        "apscheduler.executors.default",
        "slack_bolt.App",
        "slack_bolt.RequestVerification",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
