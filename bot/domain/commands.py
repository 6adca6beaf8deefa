"""Parsing `/social` text into a command, with a specific usage message for every mistake."""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection
from dataclasses import dataclass

from socialdesk.domain.errors import DomainError, InvalidCaseRef
from socialdesk.domain.triage_fix import TriageChange, parse_triage_words

SOCIAL_USAGE: dict[str, str] = {
    "queue": "`/social queue [team|platform|crisis] [--mine]`: open cases by priority and SLA due time",
    "show": "`/social show <case>`: the case with its full history",
    "claim": "`/social claim <case>`: take a case",
    "unclaim": "`/social unclaim <case>`: give a case back to the team",
    "assign": "`/social assign <case> @user`: give a case to someone (leads)",
    "reply": "`/social reply <case> [text]`: answer the customer publicly (no text opens the reply form)",
    "dm": "`/social dm <case> [text]`: answer the customer privately",
    "escalate": "`/social escalate <case> <team> [reason]`: move a case to another team",
    "resolve": "`/social resolve <case> [outcome]`: close a case",
    "reopen": "`/social reopen <case>`: bring a closed case back",
    "note": "`/social note <case> <text>`: an internal note, never sent to the customer",
    "triage": (
        "`/social triage <case> <category|P1..P4|spam|no-reply|needs-reply>`: correct the category "
        "(complaint, incident, question, praise, spam, other), the priority or whether it needs a reply"
    ),
    "snooze": "`/social snooze <case> <minutes|2h|until HH:MM|off>`: pause a case's SLA alerts (leads)",
    "stats": "`/social stats [today|week]`: volume and response times",
    "privacy": "`/social privacy export|erase <platform>:<id|@handle>`: a customer's personal data (leads)",
    "help": "`/social help`: this list",
}

_CASE_REF = re.compile(r"^#?(\d{1,9})$")


class UsageError(DomainError):
    """A malformed command; the message says what was wrong and how to write it."""

    def __init__(self, problem: str, subcommand: str | None = None) -> None:
        usage = SOCIAL_USAGE.get(subcommand or "", "")
        super().__init__(f"{problem}\nUsage: {usage}" if usage else problem)
        self.subcommand = subcommand


@dataclass(frozen=True, slots=True)
class SocialCommand:
    name: str
    args: tuple[str, ...]

    def case_id(self) -> int:
        if not self.args:
            raise UsageError("Which case? Give its number.", self.name)
        return parse_case_ref(self.args[0])

    def rest(self, start: int = 1) -> str:
        return " ".join(self.args[start:]).strip()


def parse_triage(cmd: SocialCommand) -> tuple[int, TriageChange]:
    """`/social triage 42 P2` (up to one word per field: `triage 42 incident P1`)."""
    case_id = cmd.case_id()
    try:
        return case_id, parse_triage_words(cmd.args[1:])
    except ValueError as exc:
        raise UsageError(str(exc), "triage") from exc


def parse_case_ref(text: str) -> int:
    match = _CASE_REF.match(text.strip())
    if match is None:
        raise InvalidCaseRef(text)
    return int(match.group(1))


def parse_social(text: str, extra: Collection[str] = ()) -> SocialCommand:
    """`extra`: subcommand names that plugins add (a built-in name always means the built-in)."""
    try:
        words = shlex.split(text.strip())
    except ValueError:  # an unbalanced quote: fall back to plain words rather than refusing
        words = text.strip().split()
    if not words:
        return SocialCommand("help", ())
    name = words[0].lower()
    if name not in SOCIAL_USAGE and name not in extra:
        raise UsageError(f"`{words[0]}` is not a /social command. Try `/social help`.")
    return SocialCommand(name, tuple(words[1:]))


_ESCAPED = re.compile(r"<(?P<target>[^<>|]+)(?:\|(?P<label>[^<>]*))?>")


def unescape_slack(text: str) -> str:
    """Slack's escaped command text back to what the person typed: `<https://x|x>` → the link,
    `<@U123|maria>` → @maria, `<#C123|billing>` → #billing, and &amp; &lt; &gt; → & < >.
    Replies and notes are prose for customers and colleagues, not Slack markup."""

    def plain(match: re.Match[str]) -> str:
        target, label = match.group("target"), match.group("label")
        if target.startswith("@"):
            return f"@{label}" if label else target
        if target.startswith("#"):
            return f"#{label}" if label else target
        if target.startswith("!"):
            return f"@{label or target[1:].split('^')[0]}"
        if target.startswith("mailto:"):
            return label or target.removeprefix("mailto:")
        return target

    return _ESCAPED.sub(plain, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
