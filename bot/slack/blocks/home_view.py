"""The App Home tab: your open cases, the team queue and today's numbers. A pure function of `HomeData`.

Slack allows 100 blocks in a Home view and refuses the whole publish beyond that, so each list has a
fixed cap and the layout's worst case is checked against the limit (see `MAX_HOME_BLOCKS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialdesk.domain.metrics import Summary
from socialdesk.domain.models import Case
from socialdesk.slack.blocks.cards import PRIORITY_EMOJI, STATUS_LABEL
from socialdesk.slack.blocks.kit import (
    Block,
    button,
    context_block,
    divider_block,
    due_phrase,
    escape_mrkdwn,
    fit_mrkdwn,
    header_block,
    section_block,
    slack_date,
    utc,
)
from socialdesk.slack.blocks.stats_view import summary_fields
from socialdesk.slack.ids import ActionId, encode_case_value

__all__ = ["MAX_HOME_BLOCKS", "MAX_MINE", "MAX_QUEUE", "HomeData", "render_home"]

MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab
MAX_MINE = 20
MAX_QUEUE = 15
# Blocks around the two lists: title and updated; mine's header and note; queue's header, scope and
# note; two dividers; today's three. With the caps this is the worst case, checked once at import so
# a bigger cap cannot ship a Home tab Slack would refuse.
_FIXED_BLOCKS = 12
assert _FIXED_BLOCKS + MAX_MINE + MAX_QUEUE <= MAX_HOME_BLOCKS

_HANDLE_CHARS = 60


@dataclass(frozen=True, slots=True)
class HomeData:
    """Everything the Home tab shows, loaded by the handler; ``*_total`` count beyond the shown lists."""

    user_id: str
    now: datetime
    mine: Sequence[Case]
    mine_total: int
    queue: Sequence[Case]
    queue_total: int
    queue_scope: str  # "every team", or the user's teams once membership is known
    today: Summary
    today_anchor: str  # where "today" starts in the desk's zone, e.g. "00:00 Europe/London"


def render_home(data: HomeData) -> dict[str, Any]:
    """The ``view`` argument for ``views.publish``."""
    blocks: list[Block] = [
        header_block("Social care desk", block_id="home:title"),
        context_block(
            [f"Updated {slack_date(data.now, fmt='{time}')} · open this tab again to refresh"],
            block_id="home:updated",
        ),
        *_mine(data),
        divider_block(block_id="home:divider:queue"),
        *_queue(data),
        divider_block(block_id="home:divider:today"),
        *_today(data),
    ]
    return {"type": "home", "callback_id": "home", "blocks": blocks}


def _mine(data: HomeData) -> list[Block]:
    blocks: list[Block] = [header_block(f"Your open cases ({data.mine_total})", block_id="home:mine")]
    if not data.mine:
        blocks.append(
            context_block(
                ["Nothing assigned to you. Pick a case from the queue below, or `/social queue`."],
                block_id="home:mine:empty",
            )
        )
        return blocks
    shown = list(data.mine)[:MAX_MINE]
    blocks.extend(_case_row(case, data.now, block_id=f"home:mine:{case.id}") for case in shown)
    if data.mine_total > len(shown):
        blocks.append(
            context_block(
                [f"{len(shown)} of {data.mine_total} shown · `/social queue --mine` lists them all"],
                block_id="home:mine:more",
            )
        )
    return blocks


def _queue(data: HomeData) -> list[Block]:
    blocks: list[Block] = [
        header_block(f"Team queue · {data.queue_total} unclaimed", block_id="home:queue"),
        context_block(
            [f"Unclaimed cases in {escape_mrkdwn(data.queue_scope)}, by priority, then the soonest due"],
            block_id="home:queue:scope",
        ),
    ]
    if not data.queue:
        blocks.append(context_block(["Nobody is waiting. :tada:"], block_id="home:queue:empty"))
        return blocks
    shown = list(data.queue)[:MAX_QUEUE]
    blocks.extend(_case_row(case, data.now, block_id=f"home:queue:{case.id}", team=True) for case in shown)
    if data.queue_total > len(shown):
        blocks.append(
            context_block(
                [f"{len(shown)} of {data.queue_total} shown · `/social queue <team>` for one team's list"],
                block_id="home:queue:more",
            )
        )
    return blocks


def _today(data: HomeData) -> list[Block]:
    return [
        header_block("Today so far", block_id="home:today"),
        context_block(
            [f"All teams since {escape_mrkdwn(data.today_anchor)} · `/social stats week` for the week"],
            block_id="home:today:since",
        ),
        section_block(block_id="home:today:figures", fields=summary_fields(data.today)),
    ]


def _handle(case: Case) -> str:
    if case.author_handle:
        return "@" + case.author_handle.lstrip("@")
    return case.author_name or case.author_id


def _sla_words(case: Case, now: datetime) -> str:
    """The countdown agents act on: bold when late, since that case should be answered first."""
    if case.first_response_at is not None:
        return f"answered {slack_date(utc(case.first_response_at), fmt='{time}')}"
    phrase = due_phrase(case.first_response_due, now)
    if utc(case.first_response_due) <= utc(now):
        return f"⏰ *{phrase}*"
    return phrase


def _case_row(case: Case, now: datetime, *, block_id: str, team: bool = False) -> Block:
    if case.id is None:
        raise ValueError("a case must be saved before it can be shown")
    parts = [
        f"{PRIORITY_EMOJI[case.priority]} *#{case.id}* {case.priority.value}",
        case.platform.label,
        # Customer-supplied: escaped so a handle cannot ping a channel or fake a link.
        fit_mrkdwn(_handle(case), _HANDLE_CHARS),
        _sla_words(case, now),
    ]
    second = [STATUS_LABEL[case.status]]
    if team:
        second.append(f"team {escape_mrkdwn(case.team)}")
    text = " · ".join(parts) + "\n" + " · ".join(second)
    # Reply works from the Home tab (it opens a modal from the trigger); claim and the others answer in
    # the channel the click came from, which a Home tab does not have.
    reply = button("Reply", action_id=ActionId.REPLY.value, value=encode_case_value(case.id))
    return section_block(text, block_id=block_id, accessory=reply)
