"""The HTTP client every platform connector shares (replies, brand posts, pollers).

The connectors themselves live with their source (`socialdesk.sources.<name>.replies`); the built-in
sources behind one `SourceReplies` without a runtime are `socialdesk.sources.replies`.
"""

from __future__ import annotations

import httpx

# Long enough for a slow platform, short enough that an agent's click gets an answer while they wait.
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def make_reply_client(timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Client:
    """No base URL (each connector builds absolute URLs) and no redirects: a redirected POST is not ours."""
    return httpx.Client(timeout=timeout, headers={"User-Agent": "socialdesk"}, follow_redirects=False)
