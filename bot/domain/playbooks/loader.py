"""Load crisis playbooks from YAML, with every problem reported as "file:line: key: reason".

A playbook is edited by people who do not read stack traces, and a broken one must fail at deploy
(`socialdesk playbooks validate`, or startup), not when a crisis starts. So the file is composed into
a node tree first (`yaml.compose` keeps the line of every key) and constructed with the safe loader,
pydantic's error locations are mapped back to the line of the key they name, and the templates are
compiled and filled with the playbook's own defaults plus long sample values, so a template that
only fits X with tiny values, or a default that trips the playbook's own lint, is caught here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Final, get_args

import yaml
from jinja2 import TemplateError, TemplateSyntaxError, meta, nodes
from pydantic import BaseModel, ValidationError

from socialdesk.domain.canned import PLACEHOLDERS
from socialdesk.domain.playbooks.render import (
    CONTEXT_NAMES,
    ENV,
    TARGET_LABELS,
    StatementSlots,
    check_statement,
    compile_template,
    render_source,
    slots_for,
    statement_context,
)
from socialdesk.domain.playbooks.schema import Playbook, StatementKind, Templates
from socialdesk.domain.redact import Masking

_VALUE_ERROR_PREFIX = "Value error, "
# Model validators name the key they complain about ("permissions.start: unknown role 'x'").
_PATH_IN_MESSAGE_RE = re.compile(r"^([a-z_][\w\-]*(?:\.[\w\-]+|\[\d+\])*): (.+)$", re.DOTALL)
_PATH_PART_RE = re.compile(r"[\w\-]+|\[(\d+)\]")
PATTERNS = ("*.yaml", "*.yml")


class PlaybookError(Exception):
    """One or more playbooks are invalid; the message has one "file:line: key: reason" per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class _Checked:
    path: Path
    playbook: Playbook | None
    problems: list[str]
    id_line: int


def _problem(path: Path, line: int, key: str, reason: str) -> str:
    return f"{path}:{line}: {key}: {reason}"


# --- the checks at load -----------------------------------------------------------------------------
# Long but realistic values: a template that fits X only with a short headline fails here, at deploy.
SAMPLE_HEADLINE: Final = "Some customers cannot sign in to their accounts or complete payments in our apps"
SAMPLE_SUMMARY: Final = (
    "From 22:10 a fault in one of our payment systems stopped some customers in several regions from "
    "signing in or paying. It has been fixed and everything has worked normally since 23:30; we are "
    "checking every affected payment."
)
_SAMPLE_TZ: Final = "Australia/Sydney"  # a four-letter abbreviation (AEDT) and a late, two-digit day
_SAMPLE_STARTED: Final = datetime(2026, 10, 30, 11, 10, tzinfo=UTC)
_SAMPLE_ISSUED: Final = datetime(2026, 10, 30, 12, 45, tzinfo=UTC)
_SAMPLE_NEXT: Final = datetime(2026, 10, 30, 13, 15, tzinfo=UTC)
SAMPLE_REPLY: Final[dict[str, str]] = {
    "customer_name": "Alexandra Montgomery-Smith",
    "customer_handle": "@alex_montgomer",
    "case_ref": "#104857",
    "agent_name": "Christopher Jones",
    "agent_initials": "CJ",
    "platform": "Facebook",
    "team": "Customer care",
}


def sample_slots(playbook: Playbook) -> StatementSlots:
    """The playbook's defaults with long sample headline, summary, times and severity label."""
    longest = max(playbook.severities, key=lambda name: len(playbook.severities[name].label))
    return slots_for(
        playbook,
        summary=SAMPLE_SUMMARY,
        severity=longest,
        started_at=_SAMPLE_STARTED,
        issued_at=_SAMPLE_ISSUED,
        next_update_at=_SAMPLE_NEXT,
        filled={"headline": SAMPLE_HEADLINE},
        tz=_SAMPLE_TZ,
    )


def source_problems(source: str, allowed: frozenset[str]) -> list[str]:
    """Why a template cannot be used: it does not compile, names an unknown variable, or reaches
    for a private attribute (which the sandbox would refuse when rendering anyway)."""
    try:
        compile_template(source)  # compiling, unlike parsing, also catches unknown filters and tests
        tree = ENV.parse(source)
    except TemplateSyntaxError as exc:
        return [f"does not compile (line {exc.lineno} of the template): {exc.message}"]
    problems: list[str] = []
    for name in sorted(meta.find_undeclared_variables(tree) - allowed):
        problems.append(f"unknown variable {{{{ {name} }}}}; the known ones are {', '.join(sorted(allowed))}")
    for node in tree.find_all(nodes.Getattr):
        if node.attr.startswith("_"):
            problems.append(f"line {node.lineno} of the template: access to '{node.attr}' is not allowed")
    return problems


def _slot_problems(playbook: Playbook) -> list[tuple[tuple[str | int, ...], str]]:
    """Forbidden content or personal data in the slot defaults, named at the slot's own line."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for name, value in playbook.slots.model_dump().items():
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, text in items:
            if not isinstance(text, str) or not text.strip():
                continue  # an unset headline; empty list items are the schema's business
            loc = ("slots", name) if index is None else ("slots", name, index)
            # status_page allows 4000 characters: only the content is judged here, not the length.
            problems += [(loc, p) for p in check_statement(playbook, "status_page", text, Masking())]
    return problems


def _filled_problems(
    playbook: Playbook, target: str, source: str, context: dict[str, object], known: set[str]
) -> list[str]:
    """Problems of the filled template, less those the slot defaults already explain."""
    label = TARGET_LABELS.get(target, target)
    try:
        text = render_source(source, context)
    except TemplateError as exc:
        return [f"cannot be filled in for {label}: {exc.message or type(exc).__name__}"]
    return [
        f"filled with the playbook's defaults and long sample values, for {label}: {problem}"
        for problem in check_statement(playbook, target, text, Masking())
        if problem not in known
    ]


def template_problems(playbook: Playbook) -> list[tuple[tuple[str | int, ...], str]]:
    """(location, reason) for every template problem in a playbook that passed the schema.

    The location is the template's key: ("holding", "x"), or ("holding", "default") when a target
    has no template of its own, or ("canned_reply",); or the slot default at fault ("slots", "empathy").
    """
    problems = _slot_problems(playbook)
    known = {reason for _, reason in problems}
    slots = sample_slots(playbook)
    context = statement_context(playbook, slots)
    for kind in StatementKind:
        templates = playbook.templates(kind)
        broken: set[str] = set()
        for name in Templates.model_fields:
            source = getattr(templates, name)
            for reason in source_problems(source, CONTEXT_NAMES) if isinstance(source, str) else []:
                problems.append(((kind.value, name), reason))
                broken.add(name)
        for target in playbook.publish_to:
            name = target if getattr(templates, target, None) is not None else "default"
            if name not in broken:
                source = templates.for_target(target)
                found = _filled_problems(playbook, target, source, context, known)
                problems += [((kind.value, name), reason) for reason in found]
    reply_names = CONTEXT_NAMES | frozenset(PLACEHOLDERS)
    reply_problems = source_problems(playbook.canned_reply, reply_names)
    if not reply_problems:
        # The reply goes out on every platform, so it has to fit the shortest: X.
        reply_context = {**context, **SAMPLE_REPLY}
        reply_problems = _filled_problems(playbook, "x", playbook.canned_reply, reply_context, known)
    problems += [(("canned_reply",), reason) for reason in reply_problems]
    return problems


# --- lines ------------------------------------------------------------------------------------------
Loc = tuple[int | str, ...]


def key_of(loc: Loc) -> str:
    """("audiences", 2, "owner") -> "audiences[2].owner"."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else f"{'.' if key else ''}{part}"
    return key or "file"


def _child(node: yaml.Node, part: int | str) -> tuple[yaml.Node, int] | None:
    """The node under `part` and the line that names it (the key's line for a mapping entry)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value, key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item = node.value[part]
        return item, item.start_mark.line + 1
    return None


def line_of(root: yaml.Node, loc: Loc) -> int:
    """The line of the key `loc` names, else of the nearest parent that exists (a missing key: the
    mapping that should hold it). A part that is not in the file (pydantic names union members and
    dict-key checks in `loc`) is passed over."""
    node, line = root, root.start_mark.line + 1
    for part in loc:
        found = _child(node, part)
        if found is not None:
            node, line = found
    return line


def duplicate_keys(node: yaml.Node, path: Loc = ()) -> list[tuple[str, int]]:
    """Keys that appear twice in one mapping, anywhere in the tree: safe_load would keep the last."""
    found: list[tuple[str, int]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            if name in seen:
                found.append((key_of((*path, name)), key.start_mark.line + 1))
            seen.add(name)
            found += duplicate_keys(value, (*path, name))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += duplicate_keys(item, (*path, i))
    return found


def field_names_at(loc: Loc) -> list[str]:
    """The keys the schema allows at `loc`, for "did you mean"."""
    model: type[BaseModel] = Playbook
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            continue  # a dict key ("sev1") or a list index: the same model holds the next part
        inner = nested_model(field.annotation)
        if inner is None:
            return []
        model = inner
    return list(model.model_fields)


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds: `Severity`, `dict[str, Severity]`, `list[Audience]`, `X | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        model = nested_model(arg)
        if model is not None:
            return model
    return None


# --- parsing ----------------------------------------------------------------------------------------
def _parse(path: Path) -> tuple[yaml.Node | None, Any, list[str]]:
    """The node tree and the data `yaml.safe_load` would give, or the parser's problem and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, [_problem(path, 1, "file", f"cannot be read: {exc}")]
    try:
        loader = yaml.SafeLoader(text)  # the reader refuses control characters here, at construction
    except yaml.YAMLError as exc:
        return None, None, [_problem(path, 1, "yaml", f"not valid YAML: {exc}")]
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, None, [_problem(path, line, "yaml", f"not valid YAML: {reason}")]
    except yaml.YAMLError as exc:
        return None, None, [_problem(path, 1, "yaml", f"not valid YAML: {exc}")]
    finally:
        loader.dispose()
    if node is None:
        return None, None, [_problem(path, 1, "file", "the file is empty")]
    if not isinstance(node, yaml.MappingNode):
        return None, None, [_problem(path, node.start_mark.line + 1, "file", "must be a mapping of keys")]
    problems = [
        _problem(path, line, key, "appears twice in the same mapping; the second would silently win")
        for key, line in duplicate_keys(node)
    ]
    return node, data, problems


# --- pydantic errors --------------------------------------------------------------------------------
def _split_message(kind: str, loc: Loc, message: str) -> tuple[Loc, str]:
    """A validator's "path: reason" becomes a location and a reason."""
    message = message.removeprefix(_VALUE_ERROR_PREFIX)
    found = _PATH_IN_MESSAGE_RE.match(message) if kind == "value_error" else None
    if not found:
        return loc, message
    parts: list[int | str] = []
    for part in _PATH_PART_RE.finditer(found.group(1)):
        parts.append(int(part.group(1)) if part.group(1) is not None else part.group(0))
    return (*loc, *parts), found.group(2)


def _reason(error: Any, loc: Loc, message: str) -> str:
    kind = error["type"]
    if kind == "missing":
        return "this required key is missing"
    if kind == "extra_forbidden":
        known = field_names_at(loc[:-1])
        close = get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"the keys here are {', '.join(known)}"
        return f"unknown key; {hint}"
    value = error.get("input")
    if kind != "value_error" and isinstance(value, str | int | float | bool) and len(repr(value)) <= 60:
        return f"{message} (got {value!r})"
    return message


def _validation_problems(path: Path, root: yaml.MappingNode, exc: ValidationError) -> list[str]:
    problems: list[str] = []
    for error in exc.errors():
        loc, message = _split_message(error["type"], tuple(error["loc"]), error["msg"])
        problems.append(_problem(path, line_of(root, loc), key_of(loc), _reason(error, loc, message)))
    return problems


# --- one file ---------------------------------------------------------------------------------------
def _check(path: Path) -> _Checked:
    root, data, problems = _parse(path)
    if root is None or not isinstance(root, yaml.MappingNode):
        return _Checked(path, None, problems, 1)
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        return _Checked(path, None, problems + _validation_problems(path, root, exc), 1)
    for loc, reason in template_problems(playbook):
        problems.append(_problem(path, line_of(root, loc), key_of(loc), reason))
    return _Checked(path, None if problems else playbook, problems, line_of(root, ("id",)))


def load_playbook(path: Path) -> Playbook:
    """One playbook file, fully checked; raises `PlaybookError` listing every problem in it."""
    checked = _check(path)
    if checked.playbook is None:
        raise PlaybookError(checked.problems)
    return checked.playbook


# --- a folder ---------------------------------------------------------------------------------------
def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted({file for pattern in PATTERNS for file in folder.glob(pattern) if file.is_file()})


def _check_folder(folder: Path) -> tuple[dict[str, Playbook], list[str]]:
    playbooks: dict[str, Playbook] = {}
    first_file: dict[str, Path] = {}
    problems: list[str] = []
    for path in _files(folder):
        checked = _check(path)
        problems += checked.problems
        playbook = checked.playbook
        if playbook is None:
            continue
        if playbook.id in first_file:
            reason = f"'{playbook.id}' is already the id of {first_file[playbook.id]}; ids must be unique"
            problems.append(_problem(path, checked.id_line, "id", reason))
            continue
        first_file[playbook.id] = path
        playbooks[playbook.id] = playbook
    return playbooks, problems


def load_playbooks(folder: Path) -> dict[str, Playbook]:
    """Every playbook in `folder` by id; {} for a missing or empty folder; `PlaybookError` if any fails."""
    playbooks, problems = _check_folder(folder)
    if problems:
        raise PlaybookError(problems)
    return playbooks


def validate_folder(folder: Path) -> list[str]:
    """Every problem in every playbook file of `folder` ([] when all are valid, or there are none)."""
    return _check_folder(folder)[1]


def playbook_files(folder: Path) -> list[Path]:
    """The files `load_playbooks` reads: *.yaml and *.yml, sorted."""
    return _files(folder)
