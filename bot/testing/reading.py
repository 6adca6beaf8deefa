"""Reading back what a runtime did: its cases, the cards the Slack stand-in shows, the replies it sent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.domain.models import Case, InboxItem, PlatformReply
from socialdesk.standin import SlackStandin, StoredMessage


@dataclass(frozen=True)
class Card:
    """A case card as it stands in Slack now (after every update), with its case number."""

    case: int
    channel: str
    message: StoredMessage

    @property
    def text(self) -> str:
        """Every text on the card (blocks, fields, context, buttons) joined by newlines, as a person
        reads it (Slack's `&amp;`, `&lt;`, `&gt;` escapes undone): for `in` checks."""
        raw = "\n".join([self.message.text, *block_texts(self.message.blocks or [])])
        return raw.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return self.message.blocks or []


def block_texts(value: Any) -> Iterator[str]:
    """The strings under every `text` key of a Block Kit structure, depth first."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from block_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from block_texts(item)


def cases(engine: Engine) -> list[Case]:
    with Session(engine) as session:
        return list(session.exec(select(Case).order_by(col(Case.id))))


def case(engine: Engine, number: int) -> Case:
    with Session(engine) as session:
        found = session.get(Case, number)
    if found is None:
        raise LookupError(f"there is no case #{number}")
    return found


def cards(engine: Engine, slack: SlackStandin) -> list[Card]:
    """The card of every case that has one in Slack, by case number."""
    found: list[Card] = []
    for row in cases(engine):
        if row.id is None or not row.slack_channel or not row.slack_ts:
            continue
        message = next((m for m in slack.messages(row.slack_channel) if m.ts == row.slack_ts), None)
        if message is not None:
            found.append(Card(row.id, row.slack_channel, message))
    return found


def replies(engine: Engine, case_number: int | None = None) -> list[PlatformReply]:
    with Session(engine) as session:
        query = select(PlatformReply).order_by(col(PlatformReply.id))
        if case_number is not None:
            query = query.where(PlatformReply.case_id == case_number)
        return list(session.exec(query))


def inbox(engine: Engine, source: str) -> list[InboxItem]:
    """What arrived for `source` (webhook deliveries and poll pages), oldest first, with its status."""
    with Session(engine) as session:
        query = select(InboxItem).where(InboxItem.source == source).order_by(col(InboxItem.id))
        return list(session.exec(query))
