"""Pre-approved message templates: what a platform with a messaging window (WhatsApp: 24 hours after the
customer last wrote) still lets a business send once the window has closed.

The config names the templates the business had approved (`whatsapp.templates`), with their parameters;
the reply form offers them as suggestions when the window is closed. A chosen template travels through
the ordinary reply path (recorded under its idempotency key, checked, delivered once) as a *call*, a
short text the agent can read and edit:

    template: order_update (en_US)
    {{1}} customer name: Ana
    {{2}} case number: #42

The first line names the template and its language; each further line is one body parameter, in order,
`{{n}} label: value`. The source's connector reads the call back (`parse_call`) and sends the template
with those parameters. A call is never signed or counted against a text limit: its body is the one the
platform approved, not the agent's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jinja2 import Environment, TemplateSyntaxError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_HEAD = re.compile(r"^template:\s*([a-z0-9_]{1,512})\s*\(([A-Za-z]{2,3}(?:_[A-Za-z0-9]{2,4})?)\)\s*$")
_PARAM = re.compile(r"^\{\{(\d{1,2})\}\}\s*([^:\n]*):[ \t]?(.*)$")
_PLACEHOLDER = re.compile(r"\{\{\s*(\d{1,2})\s*\}\}")
MAX_PARAM_CHARS = 1024  # WhatsApp's limit for one body parameter's text


class TemplateParam(BaseModel):
    """One body parameter: a label the agent reads, and a starting value (Jinja, like canned replies:
    `{{ customer_name }}`, `{{ case_ref }}`, `{{ agent_name }}`...), which the agent may change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, max_length=60)
    value: str = ""

    @field_validator("label")
    @classmethod
    def _plain_label(cls, value: str) -> str:
        if ":" in value or "\n" in value or "{" in value:
            raise ValueError("a label may not hold ':', '{' or a line break (it is part of the call's line)")
        return value.strip()

    @field_validator("value")
    @classmethod
    def _renders(cls, value: str) -> str:
        try:
            Environment().parse(value)
        except TemplateSyntaxError as exc:
            raise ValueError(f"not a valid template: {exc.message}") from None
        return value


class MessageTemplate(BaseModel):
    """A template approved on the platform: its exact name and language, what its body says (shown to
    the agent, `{{1}}`... for the parameters) and its body parameters in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = Field(default="en_US", pattern=r"^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,4})?$")
    title: str = ""  # how the form lists it; defaults to the name
    text: str = ""  # the approved body, for the agent to read; its {{n}} must match `params`
    params: list[TemplateParam] = []

    @model_validator(mode="after")
    def _placeholders_match(self) -> MessageTemplate:
        if self.text:
            found = sorted({int(n) for n in _PLACEHOLDER.findall(self.text)})
            if found != list(range(1, len(self.params) + 1)):
                raise ValueError(
                    f"template {self.name}: its text has placeholders {found or 'none'} but "
                    f"{len(self.params)} params are listed (they must be {{{{1}}}}..{{{{n}}}}, one each)"
                )
        return self

    @property
    def key(self) -> str:
        return f"{self.name}:{self.language}"

    @property
    def label(self) -> str:
        return self.title or self.name


@dataclass(frozen=True, slots=True)
class TemplateCall:
    name: str
    language: str
    values: tuple[str, ...]


def is_call(text: str) -> bool:
    return bool(_HEAD.match(text.strip().split("\n", 1)[0]))


def format_call(template: MessageTemplate, values: list[str]) -> str:
    lines = [f"template: {template.name} ({template.language})"]
    for i, (param, value) in enumerate(zip(template.params, values, strict=True), start=1):
        lines.append(f"{{{{{i}}}}} {param.label}: {one_line(value)}")
    return "\n".join(lines)


def parse_call(text: str) -> TemplateCall | None:
    """The call written in `text`, or None when `text` is not one (free text). A line after the head
    that is not `{{n}} label: value` with n in order makes it None too: half a call is not sent."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    head = _HEAD.match(lines[0])
    if head is None:
        return None
    values: list[str] = []
    for expected, line in enumerate(lines[1:], start=1):
        param = _PARAM.match(line)
        if param is None or int(param.group(1)) != expected:
            return None
        values.append(param.group(3).strip())
    return TemplateCall(head.group(1), head.group(2), tuple(values))


def call_problem(call: TemplateCall, templates: list[MessageTemplate]) -> str | None:
    """Why `call` cannot be sent as written, or None. Checked before anything is recorded."""
    template = next((t for t in templates if t.name == call.name and t.language == call.language), None)
    if template is None:
        named = ", ".join(t.key for t in templates) or "none"
        return (
            f"`{call.name}` ({call.language}) is not an approved template in the config (approved: {named})."
        )
    if len(call.values) != len(template.params):
        wanted, given = len(template.params), len(call.values)
        return f"Template `{call.name}` takes {wanted} parameters; the reply gives {given}."
    for param, value in zip(template.params, call.values, strict=True):
        if not value:
            return f"Template `{call.name}`: fill in '{param.label}'."
        if len(value) > MAX_PARAM_CHARS:
            return f"Template `{call.name}`: '{param.label}' is longer than {MAX_PARAM_CHARS} characters."
    return None


def one_line(value: str) -> str:
    """A parameter is one line: WhatsApp refuses new lines and tabs in a body parameter."""
    return " ".join(value.split())
