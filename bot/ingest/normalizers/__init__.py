"""Reading a stored body: JSON decoding every source's normalizer starts from.

There is no table of normalizers here: a body is read by the source that received it, through the plugin
registry (`socialdesk.ingest.by_source.InboxReader`), the built-in sources (`socialdesk.sources`) like any
other. `parse_json` raises only `MalformedPayload`, naming why the bytes are not JSON.
"""

from __future__ import annotations

import json
from typing import Any, Final

from socialdesk.plugins.mentions import MalformedPayload
from socialdesk.plugins.payloads import BrandAccounts

MAX_BODY_BYTES: Final = 5 * 1024 * 1024


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unstorable(c: str) -> bool:
    return "\ud800" <= c <= "\udfff" or c == "\x00"


def _fix_surrogates(text: str) -> str:
    return "".join("\ufffd" if _unstorable(c) else c for c in text)


def _without_lone_surrogates(value: Any) -> Any:
    """JSON may escape half of a UTF-16 pair (`"\\ud83d"`) or a NUL (`"\\u0000"`); neither can be
    stored (UTF-8 has no lone surrogates, PostgreSQL text has no NUL), so each becomes U+FFFD.
    Iterative: nesting depth is the parser's."""
    root = [value]
    stack: list[dict[Any, Any] | list[Any]] = [root]
    while stack:
        node = stack.pop()
        keys: list[Any] = list(node.keys()) if isinstance(node, dict) else list(range(len(node)))
        for key in keys:
            item = node[key]
            if isinstance(item, str):
                node[key] = _fix_surrogates(item)
            elif isinstance(item, dict | list):
                stack.append(item)
        if isinstance(node, dict):
            for key in [k for k in node if any(_unstorable(c) for c in k)]:
                node[_fix_surrogates(key)] = node.pop(key)
    return root[0]


def parse_json(body: bytes) -> Any:
    """Decode a request body, or raise MalformedPayload saying why not."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedPayload(f"body: larger than {MAX_BODY_BYTES} bytes")
    if not body.strip():
        raise MalformedPayload("body: empty")
    try:
        text = body.decode(json.detect_encoding(body))
        value = json.loads(text, parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise MalformedPayload("body: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise MalformedPayload(
            f"body: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:
        raise MalformedPayload("body: JSON nested too deeply") from None
    except ValueError as exc:  # NaN / Infinity, integers with too many digits
        raise MalformedPayload(f"body: not JSON ({exc})") from None
    lowered = text.lower()
    return _without_lone_surrogates(value) if "\\ud" in lowered or "\\u0000" in lowered else value


def as_utf8(body: bytes) -> bytes:
    """A JSON body in UTF-16 or UTF-32 (which `parse_json` accepts) re-encoded as UTF-8, so that the
    inbox stores text without NUL bytes (PostgreSQL text cannot hold them) that parses the same."""
    encoding = json.detect_encoding(body)
    if encoding.startswith("utf-8"):
        return body
    return body.decode(encoding).encode("utf-8")


__all__ = [
    "BrandAccounts",
    "MalformedPayload",
    "as_utf8",
    "parse_json",
]
