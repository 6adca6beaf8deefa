"""The reply form's side of answering a customer: what the form shows (the case, canned answers
filled for this case and agent, which visibilities fit) and the brand-voice check of a draft."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jinja2 import TemplateError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from socialdesk.casework.one_answer import earlier_answer, form_note, one_answer
from socialdesk.casework.roles import Actor, Capability
from socialdesk.clock import Clock, as_utc
from socialdesk.config import Config
from socialdesk.domain import casework as rules
from socialdesk.domain.canned import CannedRenderError, render, render_template, reply_context, suggest
from socialdesk.domain.case_view import CaseView
from socialdesk.domain.enums import MentionKind, Platform, ReplyVisibility
from socialdesk.domain.errors import CaseNotFound, DomainError
from socialdesk.domain.message_templates import call_problem, format_call, parse_call
from socialdesk.domain.models import Case, Mention
from socialdesk.domain.voice import BLOCK, VoiceProblem, VoiceReport, check_reply, initials
from socialdesk.plugins.source import ReplyCapabilities
from socialdesk.store.case_views import case_view

log = logging.getLogger(__name__)

# What answering on a platform allows, as the source that answers there declares it (None: no source).
Capabilities = Callable[[Platform], ReplyCapabilities | None]


def _unknown(platform: Platform) -> ReplyCapabilities | None:
    return None


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    title: str
    text: str  # rendered for this case, this agent and this platform


# (session, case, the canned-reply placeholders) -> the crisis's reply for this case, if it has one now
CrisisReply = Callable[[Session, Case, dict[str, str]], Suggestion | None]


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    """What the reply form shows: the case, who answers, which visibilities fit, canned answers."""

    case: CaseView
    agent_name: str
    agent_initials: str
    visibilities: tuple[ReplyVisibility, ...]
    visibility: ReplyVisibility
    suggestions: tuple[Suggestion, ...]
    # What the platform allows now, told before the agent types (WhatsApp: the 24-hour window).
    note: str | None = None
    # A review store's answer rules: one answer per review (ours would be replaced) and its length rule.
    answer_note: str | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """A platform's messaging window for one case (`ReplyCapabilities.window_templates`): free text until
    `closes_at`, after it only the config's approved templates."""

    platform: Platform
    closes_at: datetime
    now: datetime

    @property
    def open(self) -> bool:
        return self.now < self.closes_at

    def note(self, templates: int) -> str:
        when = f"{self.closes_at:%Y-%m-%d %H:%M} UTC"
        if self.open:
            return f"{self.platform.label}'s 24-hour window is open until {when}: free text can be sent."
        if not templates:
            return (
                f"{self.platform.label}'s 24-hour window closed at {when} and the config names no approved "
                "template: nothing can be sent until the customer writes again."
            )
        return (
            f"{self.platform.label}'s 24-hour window closed at {when}: only an approved template can be "
            "sent. Pick one below and fill in its parameters."
        )

    def refusal(self) -> str:
        return (
            f"{self.platform.label}'s 24-hour window closed at {self.closes_at:%H:%M} UTC: free text cannot "
            "be sent. Pick an approved template."
        )


def allowed_visibilities(
    answering: Mention, capabilities: ReplyCapabilities | None = None
) -> tuple[ReplyVisibility, ...]:
    """A private message can only be answered privately; a public post either way (a case moved to
    private messages may still get a public "glad we sorted it" under the post), as far as the
    platform's source allows: no public answer on Messenger, no private one where none exists."""
    private_only = (ReplyVisibility.PRIVATE,)
    if answering.is_private or answering.kind is MentionKind.DIRECT:
        return private_only
    if capabilities is not None and not capabilities.public:
        return private_only
    if capabilities is not None and not capabilities.private:
        return (ReplyVisibility.PUBLIC,)
    return (ReplyVisibility.PUBLIC, ReplyVisibility.PRIVATE)


class ReplyForm:
    def __init__(
        self,
        *,
        engine: Engine,
        config: Config,
        clock: Clock,
        agent_name: Callable[[str], str],
        capabilities: Capabilities = _unknown,
    ) -> None:
        self._engine = engine
        self.capabilities = capabilities
        self._config = config
        self._clock = clock
        self._agent_name = agent_name
        # Set when playbooks are installed: during a crisis, its reply comes first (bot/crisis/canned.py).
        self.crisis_reply: CrisisReply | None = None

    def draft(self, *, case_id: int, actor: Actor, visibility: ReplyVisibility | None = None) -> ReplyDraft:
        actor.require(Capability.WORK_CASES)
        now = self._clock.now()
        with Session(self._engine) as session:
            case = case_or_404(session, case_id)
            rules.check_can_reply(case, actor.user_id, is_lead=actor.can(Capability.ACT_ON_OTHERS))
            view = case_view(session, case, now=now)
            latest = latest_mention(session, case_id)
            name = self.agent_name(actor)
            crisis_first = self._crisis_suggestion(session, case, view, name)
            capabilities = self.capabilities(latest.platform)
            answered = one_answer(capabilities) and earlier_answer(session, latest.id) is not None

        allowed = allowed_visibilities(latest, self.capabilities(latest.platform))
        chosen = visibility if visibility in allowed else allowed[0]
        window = self.window(latest, now)
        templates = self._config.message_templates(view.platform)
        if window is not None and not window.open:
            suggestions = self._template_suggestions(view, name)  # free text cannot go: no canned replies
        else:
            suggestions = crisis_first + self._suggestions(view, latest.text_raw, name)
        return ReplyDraft(
            case=view,
            agent_name=name,
            agent_initials=initials(name),
            visibilities=allowed,
            visibility=chosen,
            suggestions=suggestions,
            note=window.note(len(templates)) if window is not None else None,
            answer_note=form_note(latest.platform, capabilities, answered=answered),
        )

    def window(self, latest: Mention, now: datetime) -> Window | None:
        """The messaging window of the case whose latest customer message is `latest`, where its platform
        has one that only templates may cross (None elsewhere)."""
        capabilities = self.capabilities(latest.platform)
        if capabilities is None or not capabilities.window_templates or capabilities.private_window is None:
            return None
        return Window(latest.platform, as_utc(latest.posted_at) + capabilities.private_window, now)

    def window_refusal(self, latest: Mention, text: str, now: datetime) -> str | None:
        """Why `text` cannot be sent now on `latest`'s case: free text outside the window, or a template
        call the config does not approve. None when it may go. Checked before anything is recorded."""
        call = parse_call(text)
        if call is not None:
            capabilities = self.capabilities(latest.platform)
            if capabilities is None or not capabilities.window_templates:
                return None  # an ordinary text that happens to look like a call
            return call_problem(call, self._config.message_templates(latest.platform))
        window = self.window(latest, now)
        return window.refusal() if window is not None and not window.open else None

    def _template_suggestions(self, view: CaseView, agent: str) -> tuple[Suggestion, ...]:
        context = reply_context(
            platform=view.platform,
            case_number=view.id,
            agent_name=agent,
            team=view.team,
            customer_display_name=view.author.name,
            customer_handle=view.author.handle,
        )
        out: list[Suggestion] = []
        for template in self._config.message_templates(view.platform):
            values = []
            for param in template.params:
                try:
                    values.append(render_template(param.value, context))
                except TemplateError as exc:  # a value that fails leaves the field for the agent to fill
                    log.warning("template %s: parameter %r not filled: %s", template.name, param.label, exc)
                    values.append("")
            title = f"Template: {template.label} ({template.language})"
            out.append(Suggestion(f"template:{template.key}", title[:75], format_call(template, values)))
        return tuple(out)

    def _crisis_suggestion(
        self, session: Session, case: Case, view: CaseView, agent: str
    ) -> tuple[Suggestion, ...]:
        if self.crisis_reply is None or case.crisis_id is None:
            return ()
        context = reply_context(
            platform=view.platform,
            case_number=view.id,
            agent_name=agent,
            team=view.team,
            customer_display_name=view.author.name,
            customer_handle=view.author.handle,
        )
        try:
            found = self.crisis_reply(session, case, context.as_dict())
        except DomainError as exc:  # a template problem must not close the reply form
            log.warning("crisis reply for case %s not offered: %s", case.id, exc)
            return ()
        return (found,) if found is not None else ()

    def agent_name(self, actor: Actor) -> str:
        try:
            return self._agent_name(actor.user_id) or actor.name
        except Exception:  # the people directory is a nicety; a name from the request will do
            return actor.name

    def _suggestions(self, view: CaseView, text: str, agent: str) -> tuple[Suggestion, ...]:
        context = reply_context(
            platform=view.platform,
            case_number=view.id,
            agent_name=agent,
            team=view.team,
            customer_display_name=view.author.name,
            customer_handle=view.author.handle,
        )
        found = suggest(
            self._config.canned_replies, category=view.category, platform=view.platform, text=text
        )
        out: list[Suggestion] = []
        for item in found:
            try:
                out.append(
                    Suggestion(
                        item.id, item.title, render(item.reply, platform=view.platform, context=context)
                    )
                )
            except CannedRenderError as exc:  # checked at config load; kept out of the form if it still fails
                log.warning("canned reply %s not offered: %s", item.id, exc)
        return tuple(out)

    def canned_text(self, *, case_id: int, actor: Actor, canned_id: str) -> str:
        draft = self.draft(case_id=case_id, actor=actor)
        for item in draft.suggestions:
            if item.id == canned_id:
                return item.text
        entry = next((c for c in self._config.canned_replies if c.id == canned_id), None)
        if entry is None:
            raise DomainError(f"There is no canned reply `{canned_id}`.")
        context = reply_context(
            platform=draft.case.platform,
            case_number=draft.case.id,
            agent_name=draft.agent_name,
            team=draft.case.team,
            customer_display_name=draft.case.author.name,
            customer_handle=draft.case.author.handle,
        )
        return render(entry, platform=draft.case.platform, context=context)

    def check(
        self, *, platform: Platform, visibility: ReplyVisibility, text: str, agent_name: str
    ) -> VoiceReport:
        capabilities = self.capabilities(platform)
        call = parse_call(text) if capabilities is not None and capabilities.window_templates else None
        if call is not None:
            # An approved template's body is the platform's, not the agent's words: it is neither signed
            # nor held to the brand's text rules; its name and parameters must be the approved ones.
            problem = call_problem(call, self._config.message_templates(platform))
            problems = (VoiceProblem(BLOCK, "template", problem),) if problem else ()
            final = text.strip()
            return VoiceReport(final_text=final, problems=problems, length=len(final), max_length=None)
        return check_reply(
            text,
            platform=platform,
            count=capabilities.length if capabilities is not None else None,
            platform_limit=capabilities.max_length if capabilities is not None else None,
            visibility=visibility,
            voice=self._config.brand_voice,
            masking=self._config.masking,
            agent_initials=initials(agent_name) or None,
        )


def case_or_404(session: Session, case_id: int, *, lock: bool = False) -> Case:
    stmt = select(Case).where(col(Case.id) == case_id)
    case = session.exec(stmt.with_for_update() if lock else stmt).first()
    if case is None:
        raise CaseNotFound(case_id)
    return case


def latest_mention(session: Session, case_id: int) -> Mention:
    mention = session.exec(
        select(Mention)
        .where(Mention.case_id == case_id)
        .order_by(col(Mention.posted_at).desc(), col(Mention.id).desc())
    ).first()
    if mention is None:
        raise DomainError(f"#{case_id} has no customer message to answer.")
    return mention
