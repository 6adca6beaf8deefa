"""Crisis buttons (early warning, statements, review) and the crisis modals' submissions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from socialdesk.crisis.desk_base import CrisisOutcome
from socialdesk.crisis.service import CrisisDesk
from socialdesk.domain.crisis_models import Crisis
from socialdesk.domain.errors import DomainError
from socialdesk.handlers.context import HandlerContext
from socialdesk.handlers.crisis_review import post_review
from socialdesk.handlers.errors import answer_privately
from socialdesk.slack.blocks.crisis_modals import (
    EDITABLE_SLOTS,
    CrisisInput,
    edit_modal,
    end_modal,
    lessons_modal,
    reject_modal,
    start_modal,
    update_modal,
)
from socialdesk.slack.blocks.inputs import state_value
from socialdesk.slack.ids import CrisisActionId, CrisisCallbackId, CrisisValue, decode_crisis_value

log = logging.getLogger(__name__)


def _value(raw: str) -> CrisisValue:
    try:
        return decode_crisis_value(raw)
    except ValueError as exc:
        raise DomainError(
            "That button belongs to a message this version cannot read; use `/crisis status`."
        ) from exc


def _desk(ctx: HandlerContext) -> CrisisDesk:
    if ctx.crisis is None:
        raise DomainError("No crisis playbooks are installed.")
    return ctx.crisis


def _private(respond: Any, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def _submit(ack: Any, field: str, run: Callable[[], CrisisOutcome]) -> CrisisOutcome | None:
    """Run the desk; a refusal goes under `field` and the modal stays open."""
    try:
        outcome = run()
    except DomainError as exc:
        ack(response_action="errors", errors={field: str(exc)[:300]})
        return None
    except Exception:
        log.exception("crisis modal submission failed")
        ack(
            response_action="errors", errors={field: "Something went wrong on our side; nothing was changed."}
        )
        return None
    ack()
    return outcome


def register(app: App, ctx: HandlerContext) -> None:
    def statement_ids(action: dict[str, Any]) -> tuple[int, int]:
        value = _value(str(action.get("value", "")))
        if value.crisis_id is None or value.statement_id is None:
            raise DomainError("That button names no statement; use `/crisis status`.")
        return value.crisis_id, value.statement_id

    @app.action(CrisisActionId.START_FROM_WARNING.value)
    @answer_privately
    def start_from_warning(
        ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any
    ) -> None:
        ack()
        value = _value(str(action.get("value", "")))
        desk = _desk(ctx)
        client.views_open(
            trigger_id=body.get("trigger_id"),
            view=start_modal(
                desk.playbook_list(),
                chosen=value.playbook_id,
                severity=value.severity,
                detected=value.summary,  # what the warning saw: context on the form, never the headline
                warning=value.warning,
            ),
        )

    @app.action(CrisisActionId.DISMISS_WARNING.value)
    @answer_privately
    def dismiss(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        user = ctx.actor(body).user_id
        message = body.get("message") or {}
        kept = [b for b in message.get("blocks") or [] if b.get("type") != "actions"]
        kept.append(
            {
                "type": "context",
                "block_id": "crisis-dismissed",
                "elements": [{"type": "mrkdwn", "text": f"Dismissed by <@{user}>: not a crisis."}],
            }
        )
        respond(text=str(message.get("text") or "Early warning"), blocks=kept, replace_original=True)

    @app.action(CrisisActionId.APPROVE.value)
    @answer_privately
    def approve(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        ack()
        crisis_id, statement_id = statement_ids(action)
        _private(
            respond,
            _desk(ctx).approve(crisis_id=crisis_id, statement_id=statement_id, actor=ctx.actor(body)).message,
        )

    @app.action(CrisisActionId.PUBLISH.value)
    @answer_privately
    def publish(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        ack()
        crisis_id, statement_id = statement_ids(action)
        _private(
            respond,
            _desk(ctx).publish(crisis_id=crisis_id, statement_id=statement_id, actor=ctx.actor(body)).message,
        )

    @app.action(CrisisActionId.REJECT.value)
    @answer_privately
    def reject(ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        crisis_id, statement_id = statement_ids(action)
        view = _desk(ctx).statement(crisis_id, statement_id)
        client.views_open(trigger_id=body.get("trigger_id"), view=reject_modal(view))

    @app.action(CrisisActionId.EDIT.value)
    @answer_privately
    def edit(ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        crisis_id, statement_id = statement_ids(action)
        desk = _desk(ctx)
        view = desk.statement(crisis_id, statement_id)
        client.views_open(trigger_id=body.get("trigger_id"), view=edit_modal(view, desk.slots(crisis_id)))

    def crisis_of(action: dict[str, Any]) -> Crisis:
        value = _value(str(action.get("value", "")))
        return _desk(ctx).find(crisis_id=value.crisis_id, include_ended=True)

    @app.action(CrisisActionId.UPDATE.value)
    @answer_privately
    def update(ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        crisis = crisis_of(action)
        assert crisis.id is not None
        client.views_open(trigger_id=body.get("trigger_id"), view=update_modal(crisis.id, crisis.title))

    @app.action(CrisisActionId.END.value)
    @answer_privately
    def end(ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        crisis = crisis_of(action)
        assert crisis.id is not None
        client.views_open(trigger_id=body.get("trigger_id"), view=end_modal(crisis.id, crisis.title))

    @app.action(CrisisActionId.REDRAFT.value)
    @answer_privately
    def redraft(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        ack()
        crisis = crisis_of(action)
        assert crisis.id is not None
        _private(respond, _desk(ctx).draft(crisis_id=crisis.id, actor=ctx.actor(body)).message)

    @app.action(CrisisActionId.REVIEW.value)
    @answer_privately
    def review(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        ack()
        crisis = crisis_of(action)
        assert crisis.id is not None
        _private(respond, post_review(ctx, crisis.id, channel=crisis.war_room))

    @app.action(CrisisActionId.LESSONS.value)
    @answer_privately
    def lessons(ack: Any, action: dict[str, Any], body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        crisis = crisis_of(action)
        assert crisis.id is not None
        client.views_open(trigger_id=body.get("trigger_id"), view=lessons_modal(crisis.id, crisis.lessons))

    register_views(app, ctx)


def register_views(app: App, ctx: HandlerContext) -> None:
    def meta(ack: Any, view: dict[str, Any], field: str) -> CrisisValue | None:
        """The form's crisis and statement; an unreadable one is an error under `field`, never a 500."""
        try:
            return _value(str(view.get("private_metadata", "")))
        except DomainError as exc:
            ack(response_action="errors", errors={field: str(exc)[:300]})
            return None

    @app.view(CrisisCallbackId.START.value)
    def start(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view.get("state") or {}
        playbook = state_value(state, CrisisInput.PLAYBOOK)
        severity = state_value(state, CrisisInput.SEVERITY)
        summary = (state_value(state, CrisisInput.SUMMARY) or "").strip()
        if not playbook:
            ack(response_action="errors", errors={CrisisInput.PLAYBOOK: "Choose a playbook."})
            return
        # The warning this form came from (an old form has none): recorded as the crisis's trigger,
        # and its cases join the crisis.
        origin = CrisisValue()
        if view.get("private_metadata"):
            found = meta(ack, view, CrisisInput.SUMMARY)
            if found is None:
                return
            origin = found
        trigger: dict[str, object] = {"via": "early warning"}
        if origin.warning:
            trigger["warning"] = origin.warning
        if origin.summary:
            trigger["detected"] = origin.summary
        _submit(
            ack,
            CrisisInput.SUMMARY,
            lambda: _desk(ctx).start(
                playbook_id=playbook,
                severity=severity,
                summary=summary,
                actor=ctx.actor(body),
                trigger=trigger,
                warning=origin.warning,
            ),
        )

    @app.view(CrisisCallbackId.REJECT.value)
    def reject(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        value = meta(ack, view, CrisisInput.REASON)
        if value is None:
            return
        reason = (state_value(view.get("state") or {}, CrisisInput.REASON) or "").strip()
        _submit(
            ack,
            CrisisInput.REASON,
            lambda: _desk(ctx).reject(
                crisis_id=value.crisis_id or 0,
                statement_id=value.statement_id or 0,
                actor=ctx.actor(body),
                reason=reason,
            ),
        )

    @app.view(CrisisCallbackId.EDIT.value)
    def edit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        value = meta(ack, view, f"{CrisisInput.SLOT_PREFIX}headline")
        if value is None:
            return
        state = view.get("state") or {}
        filled: dict[str, object] = {}
        for name, _label, is_list in EDITABLE_SLOTS:
            raw = (state_value(state, f"{CrisisInput.SLOT_PREFIX}{name}") or "").strip()
            if raw:
                filled[name] = (
                    [line.strip(" -•\t") for line in raw.splitlines() if line.strip()] if is_list else raw
                )
        texts = {
            key.removeprefix(CrisisInput.TEXT_PREFIX): str(state_value(state, key) or "")
            for key in (state.get("values") or {})
            if key.startswith(CrisisInput.TEXT_PREFIX)
        }
        _submit(
            ack,
            f"{CrisisInput.SLOT_PREFIX}headline",
            lambda: _desk(ctx).edit(
                crisis_id=value.crisis_id or 0,
                statement_id=value.statement_id or 0,
                actor=ctx.actor(body),
                filled=filled,
                texts=texts,
            ),
        )

    @app.view(CrisisCallbackId.UPDATE.value)
    def update(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        value = meta(ack, view, CrisisInput.NEWS)
        if value is None:
            return
        news = (state_value(view.get("state") or {}, CrisisInput.NEWS) or "").strip()
        _submit(
            ack,
            CrisisInput.NEWS,
            lambda: _desk(ctx).draft(
                crisis_id=value.crisis_id or 0, actor=ctx.actor(body), headline=news or None
            ),
        )

    @app.view(CrisisCallbackId.END.value)
    def end(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        value = meta(ack, view, CrisisInput.SUMMARY)
        if value is None:
            return
        summary = (state_value(view.get("state") or {}, CrisisInput.SUMMARY) or "").strip()
        _submit(
            ack,
            CrisisInput.SUMMARY,
            lambda: _desk(ctx).end(crisis_id=value.crisis_id or 0, summary=summary, actor=ctx.actor(body)),
        )

    @app.view(CrisisCallbackId.LESSONS.value)
    def lessons(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        value = meta(ack, view, CrisisInput.LESSONS)
        if value is None:
            return
        text = state_value(view.get("state") or {}, CrisisInput.LESSONS) or ""
        _submit(
            ack,
            CrisisInput.LESSONS,
            lambda: _desk(ctx).save_lessons(crisis_id=value.crisis_id or 0, text=text, actor=ctx.actor(body)),
        )
