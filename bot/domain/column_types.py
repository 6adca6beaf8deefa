"""Column types. Enums are stored as their plain string values (no native ENUM types), so adding a
value is a code change, not a migration, and the database reads the same as the API."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from socialdesk.domain.enums import Platform


class EnumText(TypeDecorator[StrEnum]):
    impl = String(32)
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum], length: int = 32) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum_cls(value)


class PlatformText(TypeDecorator[Platform]):
    """A `Platform` as its name. Reading takes any stored name, including one whose plugin was removed."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else Platform(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> Platform | None:
        return None if value is None else Platform.from_store(value)
