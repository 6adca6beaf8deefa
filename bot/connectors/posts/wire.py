"""The one HTTP call of a brand poster: a single POST, never retried, failures told in a statement's words.

Like `socialdesk.plugins.replies.post`, but the messages speak of a statement and of the brand's
account,
since they are shown in the war room. A failure to connect means nothing left us; any later failure
leaves it unknown whether the platform published the statement, and the message says so, because posting
it again could publish it twice.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from socialdesk.plugins.replies import ErrorKind, PlatformError


def post_once(
    client: httpx.Client, url: str, *, content: bytes, headers: Mapping[str, str], platform: str
) -> httpx.Response:
    try:
        return client.post(url, content=content, headers=dict(headers))
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        message = (
            f"Could not reach {platform} ({type(exc).__name__}); the statement was not posted. "
            "Try again later."
        )
        raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
    except httpx.TimeoutException as exc:
        message = (
            f"{platform} did not answer in time. The statement may have been posted: check the brand's "
            f"{platform} account before posting it again."
        )
        raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc
    except httpx.HTTPError as exc:
        message = (
            f"The connection to {platform} failed ({type(exc).__name__}). The statement may have been "
            f"posted: check the brand's {platform} account before posting it again."
        )
        raise PlatformError(ErrorKind.UNAVAILABLE, message) from exc


def no_id(platform: str) -> PlatformError:
    """A success answer without the new post's id: it was almost surely published, but we cannot link it."""
    return PlatformError(
        ErrorKind.UNAVAILABLE,
        f"{platform} accepted the statement but its answer had no id. It was probably posted: check the "
        f"brand's {platform} account before posting it again.",
    )


def empty_text(platform: str) -> PlatformError:
    return PlatformError(
        ErrorKind.REJECTED, f"The statement for {platform} is empty; write it before posting."
    )
