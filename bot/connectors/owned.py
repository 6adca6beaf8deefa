"""A router of platform connectors that may own the httpx client they share, and closes it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import httpx


class OwnsClient:
    """`close()` closes the client only if the router made it; a client passed in is the caller's."""

    _owned_client: httpx.Client | None = None

    def close(self) -> None:
        if self._owned_client is not None:
            self._owned_client.close()
            self._owned_client = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
