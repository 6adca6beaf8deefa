"""Crisis rules, free of the store and of Slack: which approvals count, when a statement may go out.

A statement is approved when every role of the severity's chain has approved *this exact text*
(approvals name the text's hash, so an edit voids them), by someone other than its drafter when the
playbook asks for two people, and before the time the text promises the next update: after that the
text is stale ("next update at 15:00" at 15:10) and must be redrafted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from socialdesk.domain.errors import DomainError
from socialdesk.domain.playbooks.schema import ApprovalRule


class CrisisError(DomainError):
    """A crisis action that cannot be done now; the message says why and what to do instead."""


class RoleNeeded(CrisisError):
    def __init__(self, roles: Iterable[str], doing: str, playbook_title: str) -> None:
        names = " or ".join(f"`{r}`" for r in roles)
        super().__init__(
            f"To {doing} you need the {names} role of the {playbook_title} playbook. The incident lead "
            "can add you with `/crisis role <role> @you`."
        )


def text_sha(texts: Mapping[str, str]) -> str:
    """One hash over every target's text: approving a statement approves all of its versions."""
    canonical = json.dumps(dict(texts), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Approval:
    approver: str
    roles: tuple[str, ...]  # the chain roles this approval counted for
    at: datetime
    text_sha: str


@dataclass(frozen=True, slots=True)
class ApprovalState:
    chain: tuple[str, ...]
    approved_by: dict[str, Approval]  # chain role -> the approval that satisfied it
    stale: bool  # the text's promised next-update time has passed

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(role for role in self.chain if role not in self.approved_by)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.stale


def approval_state(
    rule: ApprovalRule,
    approvals: Iterable[Approval],
    *,
    current_sha: str,
    stale_at: datetime | None,
    now: datetime,
) -> ApprovalState:
    """Which chain roles have approved the current text; older texts' approvals do not count."""
    satisfied: dict[str, Approval] = {}
    for approval in sorted(approvals, key=lambda a: a.at):
        if approval.text_sha != current_sha:
            continue
        for role in approval.roles:
            if role in rule.chain and role not in satisfied:
                satisfied[role] = approval
    stale = stale_at is not None and now >= stale_at
    return ApprovalState(chain=tuple(rule.chain), approved_by=satisfied, stale=stale)


def roles_to_approve(
    rule: ApprovalRule,
    state: ApprovalState,
    *,
    approver: str,
    approver_roles: Iterable[str],
    drafter: str,
    playbook_title: str,
) -> tuple[str, ...]:
    """The chain roles this person's approval fills now; raises with the reason when it fills none."""
    if state.stale:
        raise CrisisError(
            "This draft promises an update at a time that has passed, so it is stale and approvals no "
            "longer count. Redraft it with `/crisis statement`, then approve the new text."
        )
    held = set(approver_roles)
    in_chain = [role for role in rule.chain if role in held]
    if not in_chain:
        raise RoleNeeded(rule.chain, "approve this statement", playbook_title)
    if rule.two_person and approver == drafter:
        raise CrisisError(
            "You drafted this text, and this playbook needs a second person to approve it. Ask "
            + " or ".join(f"`{r}`" for r in in_chain)
            + " colleagues."
        )
    open_roles = tuple(role for role in in_chain if role not in state.approved_by)
    if not open_roles:
        done = ", ".join(f"{role} by <@{state.approved_by[role].approver}>" for role in in_chain)
        raise CrisisError(f"Your roles have already approved this text ({done}).")
    return open_roles


def check_can_publish(state: ApprovalState) -> None:
    if state.stale:
        raise CrisisError(
            "The approved text promises an update at a time that has passed. Redraft it with "
            "`/crisis statement` and get it approved again."
        )
    if state.missing:
        raise CrisisError(
            "Not approved yet: waiting for " + ", ".join(f"`{role}`" for role in state.missing) + "."
        )
