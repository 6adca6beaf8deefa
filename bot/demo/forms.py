"""Working a modal from the demo's prompt: `form canned delivery-delay`, `form text ...`, `form send`.

In Slack, what a person types or picks in a modal lives on their screen; the bot only sees it as the
view's `state.values`, sent along with each interaction. `OpenForm` plays that part for a pretend user:
it holds each input's state, sends a `block_actions` when an input dispatches (the reply form redraws
its preview and brand-voice check that way), and a `view_submission` on `form send`. When the bot
updates the view, inputs keep what was entered unless their block_id changed, as in Slack (the reply
form relies on that: a canned reply bumps the text's block_id so the new text replaces the old).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from socialdesk.demo.pretend_user import DemoInputError, PretendUser
from socialdesk.slack.blocks.crisis_modals import CrisisInput
from socialdesk.slack.ids import InputId
from socialdesk.standin import SlackStandin
from socialdesk.standin.models import StoredView

# `form <word> <value>`: the word names the input (its block_id before any `~version`). One word may
# name inputs of several forms (`reason`: an escalation's, or a crisis statement sent back); a form has
# at most one of them.
_SLOT = CrisisInput.SLOT_PREFIX
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "canned": (InputId.REPLY_CANNED,),
    "text": (InputId.REPLY_TEXT,),
    "where": (InputId.REPLY_VISIBILITY,),
    "ack": (InputId.REPLY_PUBLIC_ACK,),
    "team": (InputId.ESCALATE_TEAM,),
    "reason": (InputId.ESCALATE_REASON, CrisisInput.REASON),
    "outcome": (InputId.RESOLVE_OUTCOME,),
    "note": (InputId.RESOLVE_NOTE,),
    "user": (InputId.ASSIGN_USER,),
    # The crisis forms (bot/slack/blocks/crisis_modals.py).
    "playbook": (CrisisInput.PLAYBOOK,),
    "severity": (CrisisInput.SEVERITY,),
    "summary": (CrisisInput.SUMMARY,),
    "news": (CrisisInput.NEWS,),
    "lessons": (CrisisInput.LESSONS,),
    "headline": (f"{_SLOT}headline",),
    "scope": (f"{_SLOT}scope",),
    "facts": (f"{_SLOT}confirmed_facts",),
    "unknowns": (f"{_SLOT}unknowns",),
    "actions": (f"{_SLOT}actions",),
    "todo": (f"{_SLOT}what_to_do",),
    "updates": (f"{_SLOT}where_updates",),
}
# Inputs that hold one item per line: `form facts Login fails in the EU; Payments work` types two lines.
LIST_WORDS = frozenset({"facts", "unknowns", "actions"})
WORD_OF: dict[str, str] = {str(name): word for word, names in FIELD_WORDS.items() for name in names}
SHORTHANDS = {"private": ("where", "private"), "public": ("where", "public")}
_ON, _OFF = {"on", "yes", "true", "1"}, {"off", "no", "false", "0"}


def input_name(block_id: str) -> str:
    return block_id.split("~")[0]


@dataclass
class OpenForm:
    view: StoredView
    values: dict[str, dict[str, Any]]  # block_id -> the element's state, as Slack sends it
    errors: dict[str, str] = field(default_factory=dict)  # block_id -> the bot's `response_action: errors`

    @classmethod
    def opened(cls, view: StoredView) -> OpenForm:
        return cls(view, {block["block_id"]: _initial_state(block["element"]) for block in _inputs(view)})

    def refreshed(self, view: StoredView) -> OpenForm:
        values = {
            block["block_id"]: self.values.get(block["block_id"]) or _initial_state(block["element"])
            for block in _inputs(view)
        }
        return OpenForm(view, values)

    def inputs(self) -> list[dict[str, Any]]:
        return _inputs(self.view)

    def state(self) -> dict[str, Any]:
        return {
            "values": {
                block["block_id"]: {block["element"]["action_id"]: self.values[block["block_id"]]}
                for block in self.inputs()
            }
        }

    def words(self) -> list[str]:
        return [WORD_OF.get(input_name(b["block_id"]), b["block_id"]) for b in self.inputs()]

    def set(self, word: str, raw: str, people: Mapping[str, str]) -> dict[str, Any] | None:
        """Enter `raw` into the input `word` names; returns the action to send when the input dispatches."""
        # A word the table does not know may be the input's own name (`form crisis_text_x ...`).
        wanted = FIELD_WORDS.get(word, (word,))
        block = next((b for b in self.inputs() if input_name(b["block_id"]) in wanted), None)
        if block is None:
            fields = ", ".join(self.words()) or "none"
            raise DemoInputError(f"This form has no `{word}` field. Its fields: {fields}; then `form send`.")
        element = block["element"]
        if word in LIST_WORDS:
            raw = "\n".join(item.strip() for item in raw.split(";") if item.strip())
        state = _entered(element, raw.strip(), people)
        self.values[block["block_id"]] = state
        self.errors.pop(block["block_id"], None)
        if not block.get("dispatch_action"):
            return None
        return {"action_id": element["action_id"], "block_id": block["block_id"], **state}


class FormDesk:
    """The forms open on each pretend user's screen, following the views the bot opens and updates."""

    def __init__(self, standin: SlackStandin) -> None:
        self._standin = standin
        self._open: dict[str, OpenForm] = {}
        self._seen = {view.id: view.hash for view in standin.views()}

    def current(self, user_id: str) -> OpenForm | None:
        return self._open.get(user_id)

    def close(self, user_id: str) -> None:
        self._open.pop(user_id, None)

    def follow(self) -> set[str]:
        """Pick up modals opened or updated since the last look; returns whose screens changed."""
        changed: set[str] = set()
        for view in self._standin.views():
            if view.type != "modal" or self._seen.get(view.id) == view.hash:
                continue
            self._seen[view.id] = view.hash
            owner = view.user or ""
            current = self._open.get(owner)
            if current is not None and current.view.id == view.id:
                self._open[owner] = current.refreshed(view)
            else:
                self._open[owner] = OpenForm.opened(view)
            changed.add(owner)
        return changed

    def submit(self, user: PretendUser) -> tuple[httpx.Response, dict[str, str]]:
        """Press the form's submit button. The bot's errors by block_id, or {} (then Slack closes it)."""
        form = self.require(user)
        response = user.submit(form.view, form.state())
        errors = _errors(response.text) if response.status_code == 200 else {}
        if response.status_code == 200 and not errors:
            self.close(user.user_id)
        form.errors = errors
        return response, errors

    def enter(
        self, user: PretendUser, word: str, raw: str, people: Mapping[str, str]
    ) -> httpx.Response | None:
        """Fill in one input; an input that dispatches sends its action at once, as Slack does."""
        form = self.require(user)
        action = form.set(word, raw, people)
        return None if action is None else user.view_action(form.view, form.state(), action)

    def require(self, user: PretendUser) -> OpenForm:
        form = self._open.get(user.user_id)
        if form is None:
            raise DemoInputError(
                f"No form is open for {user.user_name}: click a card's reply, escalate or resolve button, "
                "run `/social reply <case>`, or press a crisis button that opens one first."
            )
        return form


def _inputs(view: StoredView) -> list[dict[str, Any]]:
    return [b for b in view.payload.get("blocks") or [] if b.get("type") == "input" and "element" in b]


def _initial_state(element: dict[str, Any]) -> dict[str, Any]:
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": element.get("initial_option")}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": list(element.get("initial_options") or [])}
    if kind == "users_select":
        return {"type": kind, "selected_user": element.get("initial_user")}
    return {"type": kind, "value": element.get("initial_value")}


def _entered(element: dict[str, Any], raw: str, people: Mapping[str, str]) -> dict[str, Any]:
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": _option(element, raw)}
    if kind == "checkboxes":
        if raw.lower() not in _ON | _OFF:
            raise DemoInputError("A tick box takes `on` or `off`.")
        return {"type": kind, "selected_options": element["options"] if raw.lower() in _ON else []}
    if kind == "users_select":
        return {"type": kind, "selected_user": _person(raw, people)}
    if not raw:
        raise DemoInputError("Type something after the field's name.")
    return {"type": kind, "value": raw}


def _option(element: dict[str, Any], raw: str) -> dict[str, Any]:
    options: list[dict[str, Any]] = element.get("options") or []
    wanted = raw.lower()
    for option in options:
        if option["value"].lower() == wanted:
            return option
    by_label = [o for o in options if o["text"]["text"].lower().startswith(wanted)] if wanted else []
    if len(by_label) == 1:
        return by_label[0]
    choices = ", ".join(o["value"] for o in options)
    raise DemoInputError(f"`{raw}` is not one of the choices: {choices}.")


def _person(raw: str, people: Mapping[str, str]) -> str:
    """A user id from `sam`, `@sam`, `<@U0AGENT02>` or `U0AGENT02`; `people` maps names to ids."""
    name = re.sub(r"^<@|>$", "", raw).lstrip("@")
    if name in people.values():
        return name
    if name.lower() in people:
        return people[name.lower()]
    raise DemoInputError(f"Who is `{raw}`? The demo's people are {', '.join(sorted(people))}.")


def _errors(body: str) -> dict[str, str]:
    try:
        answer = json.loads(body) if body.strip() else {}
    except ValueError:
        return {}
    if isinstance(answer, dict) and answer.get("response_action") == "errors":
        return {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}
    return {}
