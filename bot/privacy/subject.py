"""Who a privacy request is about: `<platform>:<author id>` or `<platform>:@handle`, and the stable
pseudonym that replaces the author id when they are erased.

The pseudonym is "erased:" + 16 hex of sha256(platform, id, salt). The salt is random, made once per
install and kept in the `cursor` table (key `privacy:pseudonym-salt`): without it nobody can recompute
the pseudonym from a public account id, yet the same person always gets the same pseudonym, so
distinct-customer counts and repeat-contact figures stay right after an erasure.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from socialdesk.domain.enums import Platform
from socialdesk.domain.errors import DomainError
from socialdesk.domain.models import Case, Cursor, Mention
from socialdesk.store.db import session_scope, writer

PSEUDONYM_PREFIX = "erased:"
SALT_KEY = "privacy:pseudonym-salt"
_CURSOR = cast(Table, Cursor.__table__)  # type: ignore[attr-defined]  # SQLModel sets it at class creation


class PrivacyError(DomainError):
    """A privacy request that cannot be carried out; the message says why and what to type instead."""


class UnknownAuthor(PrivacyError):
    pass


@dataclass(frozen=True, slots=True)
class AuthorRef:
    """A parsed `<platform>:<id>` or `<platform>:@handle`."""

    platform: Platform
    author_id: str | None = None
    handle: str | None = None

    def __str__(self) -> str:
        who = self.author_id if self.author_id is not None else f"@{self.handle}"
        return f"{self.platform.value}:{who}"


@dataclass(frozen=True, slots=True)
class Subject:
    """A resolved author: the platform and their id as stored on mentions and cases."""

    platform: Platform
    author_id: str

    def __str__(self) -> str:
        return f"{self.platform.value}:{self.author_id}"


def parse_author(text: str) -> AuthorRef:
    platform_name, sep, who = text.strip().partition(":")
    platforms = ", ".join(p.value for p in Platform.known())
    if not sep or not who.strip():
        raise PrivacyError(
            f"`{text}` is not an author: write `<platform>:<author id>` or `<platform>:@handle`, "
            "e.g. `x:2200000001` or `x:@dana_flies`."
        )
    try:
        platform = Platform(platform_name.strip().lower())
    except ValueError:
        raise PrivacyError(f"`{platform_name}` is not a platform; one of: {platforms}.") from None
    who = who.strip()
    if who.startswith("@"):
        handle = who[1:]
        if not handle:
            raise PrivacyError(f"`{text}`: the handle after @ is empty.")
        return AuthorRef(platform, handle=handle)
    if who.startswith(PSEUDONYM_PREFIX.rstrip(":")):
        raise PrivacyError(f"`{who}` is already a pseudonym: that author was erased.")
    return AuthorRef(platform, author_id=who)


def resolve(session: Session, ref: AuthorRef) -> Subject:
    """The stored author behind `ref`. A handle must name exactly one id (handles change hands)."""
    if ref.author_id is not None:
        return Subject(ref.platform, ref.author_id)
    assert ref.handle is not None
    wanted = ref.handle.lower()
    ids = set(
        session.exec(
            select(Mention.author_id)
            .where(Mention.platform == ref.platform, func.lower(Mention.author_handle) == wanted)
            .distinct()
        ).all()
    )
    ids.update(
        session.exec(
            select(Case.author_id)
            .where(Case.platform == ref.platform, func.lower(Case.author_handle) == wanted)
            .distinct()
        ).all()
    )
    ids = {i for i in ids if not i.startswith(PSEUDONYM_PREFIX)}
    if not ids:
        raise UnknownAuthor(
            f"No data for {ref}. If they were erased already their handle is gone: give the author id "
            f"(`{ref.platform.value}:<id>`) to check."
        )
    if len(ids) > 1:
        raise PrivacyError(
            f"{ref} was used by {len(ids)} different accounts; give the author id instead "
            f"(`{ref.platform.value}:<id>`)."
        )
    return Subject(ref.platform, ids.pop())


def has_data(session: Session, platform: Platform, author_id: str) -> bool:
    mention = select(Mention.id).where(Mention.platform == platform, Mention.author_id == author_id)
    case = select(Case.id).where(Case.platform == platform, Case.author_id == author_id)
    return any(session.exec(stmt.limit(1)).first() is not None for stmt in (mention, case))


def install_salt(engine: Engine, now: datetime) -> str:
    """The install's pseudonym salt, made on first use. Insert-if-absent, so two replicas erasing at
    once still agree on one salt."""
    with session_scope(writer(engine)) as session:  # read then insert: take SQLite's write lock
        found = session.exec(select(Cursor.value).where(col(Cursor.key) == SALT_KEY)).first()
        if found:
            return found
        values = {"key": SALT_KEY, "value": secrets.token_hex(32), "updated_at": now}
        dialect = session.get_bind().dialect.name
        stmt: Any
        if dialect == "postgresql":
            stmt = postgresql.insert(_CURSOR).values(values).on_conflict_do_nothing(index_elements=["key"])
        else:
            stmt = sqlite.insert(_CURSOR).values(values).on_conflict_do_nothing(index_elements=["key"])
        session.connection().execute(stmt)
    with Session(engine) as session:
        salt = session.exec(select(Cursor.value).where(col(Cursor.key) == SALT_KEY)).first()
    assert salt, "the pseudonym salt was just stored"
    return salt


def pseudonym(platform: Platform, author_id: str, salt: str) -> str:
    digest = hashlib.sha256(f"{platform.value}\x00{author_id}\x00{salt}".encode()).hexdigest()
    return PSEUDONYM_PREFIX + digest[:16]
