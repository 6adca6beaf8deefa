"""The platform the Threads source declares, and what answering there allows."""

from __future__ import annotations

from socialdesk.domain.enums import Platform
from socialdesk.plugins.source import PlatformSpec, ReplyCapabilities

# Threads takes 500 characters in a post or reply (code points; Threads' own count may differ for a few
# emoji sequences, which is why the stand-in and the connector use the same `len`).
MAX_LENGTH = 500

# A reply is a public post under the customer's; Threads has no direct messages through the API and no
# edits of a published post, so a correction is a second reply.
THREADS = PlatformSpec(
    "threads",
    "Threads",
    ReplyCapabilities(public=True, private=False, max_length=MAX_LENGTH, length=len, edits=False),
)
PLATFORM: Platform = THREADS.register()
