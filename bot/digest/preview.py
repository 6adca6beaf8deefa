"""`socialdesk digest preview`: the digest as files a person can look at, without sending anything."""

from __future__ import annotations

import json
from pathlib import Path

from socialdesk.domain.digest import Digest
from socialdesk.slack.blocks.digest_chart import render_png
from socialdesk.slack.blocks.digest_view import as_text, render_digest


def write_preview(digest: Digest, out: Path) -> list[Path]:
    """Writes ``digest-<kind>-<period>.txt`` (the message as mrkdwn text), ``.json`` (its Block Kit, for
    Slack's Block Kit Builder) and ``.png`` (the chart) into ``out``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"digest-{digest.key.replace(':', '-')}"
    message = render_digest(digest)
    text = out / f"{stem}.txt"
    text.write_text(as_text(message), encoding="utf-8")
    blocks = out / f"{stem}.json"
    blocks.write_text(
        json.dumps({"text": message.text, "blocks": message.blocks}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    chart = out / f"{stem}.png"
    chart.write_bytes(render_png(digest.chart))
    return [text, blocks, chart]
