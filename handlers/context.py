"""What the listeners may use: the services, never the raw environment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bot.clock import Clock
from bot.config import Config
from bot.domain.notify import CaseNotifier


@dataclass(frozen=True)
class HandlerContext:
    engine: Engine
    config: Config
    clock: Clock
    notifier: CaseNotifier
