"""Sending the demo's simulated posts to socialdesk as the platforms do: a signed webhook per item, in
simulated time, each registered with its platform stand-in first (so it can be answered later). An App
Store review is not pushed: it is listed by the App Store Connect stand-in and the `appstore` plugin's
poller fetches it (the job `poll-appstore`, run then as the scheduler would); a Bluesky mention likewise,
listed by the Bluesky stand-in and fetched by `poll-bluesky`. WhatsApp and Threads webhooks are signed
with the Meta app secret, as Meta signs every product's."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import httpx

from socialdesk.connectors.signing import sign_generic
from socialdesk.demo.feed import FeedItem
from socialdesk.demo.platforms import GENERIC_SECRET, META_APP_SECRET, X_CONSUMER_SECRET
from socialdesk.sources.meta.verify import sign_meta
from socialdesk.sources.x.verify import sign_x

if TYPE_CHECKING:  # steps imports this module; the Stage is only a type here
    from socialdesk.demo.steps import Stage


def deliver(base_url: str, item: FeedItem) -> httpx.Response:
    body = json.dumps(item.body).encode()
    signer = {
        "meta": lambda: sign_meta(body, META_APP_SECRET),
        "whatsapp": lambda: sign_meta(body, META_APP_SECRET),
        "threads": lambda: sign_meta(body, META_APP_SECRET),
        "x": lambda: sign_x(body, X_CONSUMER_SECRET),
        "generic": lambda: sign_generic(body, GENERIC_SECRET),
    }[item.source]
    return httpx.post(
        f"{base_url}/webhooks/{item.source}",
        content=body,
        headers={"Content-Type": "application/json", **signer()},
        timeout=10,
    )


def send_items(stage: Stage, items: Iterable[FeedItem], start: datetime, *, width: int = 72) -> int:
    """Deliver each item at `start + item.at` (the clock only moves forward), one line each on the
    screen; the app finishes its work after each, as between two real webhooks. Returns how many the
    app accepted."""
    console, clock, stats = stage.console, stage.clock, stage.stats
    zone = ZoneInfo(stage.runtime.config.timezone)
    accepted = 0
    for item in items:
        clock.set(max(clock.now(), start + item.at))
        stage.platforms.register(item)  # the platform knows the post before anyone can answer it
        if item.source in POLLED:
            outcome = _poll(stage, item.source)
            accepted += outcome.startswith("[green]")
            label = item.label if len(item.label) <= width else item.label[: width - 1] + "…"
            console.print(f"  {clock.now().astimezone(zone):%H:%M}  {_plain(label):<{width}} {outcome}")
            stage.runtime.run_until_idle(clock)
            continue
        response = deliver(stage.base_url, item)
        stats.webhooks_sent += 1
        if response.status_code == 200:
            accepted += 1
            outcome = "[green]200 accepted[/green]"
        else:
            stats.webhooks_failed.append(f"{item.label}: {response.status_code} {response.text}")
            outcome = f"[red]{response.status_code}[/red]"
        label = item.label if len(item.label) <= width else item.label[: width - 1] + "…"
        console.print(f"  {clock.now().astimezone(zone):%H:%M}  {_plain(label):<{width}} {outcome}")
        stage.runtime.run_until_idle(clock)
    return accepted


POLLED = ("appstore", "bluesky")


def _poll(stage: Stage, source: str) -> str:
    """Run the source's poller now; its outcome as the line's end. A poller that is not running (its
    plugin off or failed) is a problem the demo reports, like a refused webhook."""
    job = stage.runtime.jobs.get(f"poll-{source}")
    if job is None:
        stage.stats.webhooks_failed.append(f"{source}: no poller running ({_plugin_state(stage, source)})")
        return "[red]not polled[/red]"
    outcome = job.func()
    if outcome != "ok":
        stage.stats.webhooks_failed.append(f"{source}: poll {outcome}")
        return f"[red]poll {outcome}[/red]"
    return "[green]polled[/green]"


def _plugin_state(stage: Stage, name: str) -> str:
    for record in stage.runtime.plugins.records:
        if record.name == name:
            return f"{record.status}: {'; '.join(record.problems)}" if record.problems else record.status
    return "not installed"


def _plain(text: str) -> str:
    # A customer's words are not rich markup: `[` would start a style tag.
    return text.replace("[", "\\[")
