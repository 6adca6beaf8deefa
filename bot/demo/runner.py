"""`socialdesk demo`: the whole product on the embedded default, no tokens needed.

A real SQLite file, the real HTTP server, the Slack stand-in and a simulated feed sent as signed
webhooks. Simulated time (a manual clock) moves the feed and Slack's pacing along without waiting.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from sqlmodel import Session, select

from bot.app import Runtime, build_runtime
from bot.clock import ManualClock
from bot.config import Roles, load_config
from bot.connectors.verify import sign_generic, sign_meta, sign_x
from bot.demo.changes import channel_messages
from bot.demo.feed import FeedItem, build_feed
from bot.demo.forms import FormDesk
from bot.demo.platforms import GENERIC_SECRET, META_APP_SECRET, X_CONSUMER_SECRET, DemoPlatforms
from bot.demo.platforms import started as platforms_started
from bot.demo.pretend_user import PretendUser
from bot.demo.steps import HELP, DemoStats, Stage, run_line
from bot.domain.enums import InboxStatus
from bot.domain.models import Case, InboxItem, Mention
from bot.settings import PROJECT_ROOT, SAMPLE_CONFIG_NAME, Settings
from bot.standin import SlackStandin
from bot.standin.workspace import BOT_NAME, BOT_USER_ID, DEFAULT_USERS
from bot.web.serving import background_server

DEMO_LEAD = "U0MANAGER1"  # priya in the stand-in's workspace


@contextmanager
def _environment(
    db_path: Path | None,
) -> Iterator[tuple[Runtime, SlackStandin, ManualClock, DemoPlatforms, str, str]]:
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    clock = ManualClock(start)
    with tempfile.TemporaryDirectory(prefix="socialdesk-demo-") as tmp:
        database = db_path or Path(tmp) / "socialdesk-demo.db"
        token, signing = "xoxb-demo-" + secrets.token_hex(8), secrets.token_hex(16)
        # The sample config names no leads; the demo makes its pretend lead one, so `assign` works.
        config = load_config(PROJECT_ROOT / SAMPLE_CONFIG_NAME)
        config = config.model_copy(update={"roles": Roles(leads=[DEMO_LEAD])})
        with (
            SlackStandin(token=token, clock=clock) as standin,
            platforms_started(clock, config.masking) as platforms,
        ):
            settings = Settings.model_validate(
                {
                    "DATABASE_URL": f"sqlite:///{database}",
                    "SLACK_BOT_TOKEN": SecretStr(token),
                    "SLACK_SIGNING_SECRET": SecretStr(signing),
                    "SLACK_API_URL": standin.url,
                    **platforms.settings(),
                }
            )
            runtime = build_runtime(settings, clock=clock, config=config)
            try:
                with background_server(runtime.http) as base_url:
                    yield runtime, standin, clock, platforms, base_url, signing
            finally:
                runtime.close()


def _deliver(base_url: str, item: FeedItem) -> httpx.Response:
    body = json.dumps(item.body).encode()
    signer = {
        "meta": lambda: sign_meta(body, META_APP_SECRET),
        "x": lambda: sign_x(body, X_CONSUMER_SECRET),
        "generic": lambda: sign_generic(body, GENERIC_SECRET),
    }[item.source]
    return httpx.post(
        f"{base_url}/webhooks/{item.source}",
        content=body,
        headers={"Content-Type": "application/json", **signer()},
        timeout=10,
    )


def _play_feed(stage: Stage, base_url: str) -> None:
    console, clock, stats = stage.console, stage.clock, stage.stats
    start = clock.now()
    console.print(Rule("[bold]The feed: a morning of social traffic, sent as signed webhooks[/bold]"))
    for item in build_feed(start):
        clock.set(max(clock.now(), start + item.at))
        stage.platforms.register(item)  # the platform knows the post before anyone can answer it
        response = _deliver(base_url, item)
        stats.webhooks_sent += 1
        outcome = (
            "[green]200 accepted[/green]"
            if response.status_code == 200
            else f"[red]{response.status_code}[/red]"
        )
        if response.status_code != 200:
            stats.webhooks_failed.append(f"{item.label}: {response.status_code} {response.text}")
        console.print(f"  {clock.now():%H:%M}  {item.label:<72} {outcome}")
        stage.runtime.run_until_idle(clock)


def _summary(stage: Stage) -> None:
    console, runtime, standin, stats = stage.console, stage.runtime, stage.standin, stage.stats
    table = Table(title="socialdesk demo: what happened", show_lines=False)
    table.add_column("channel")
    table.add_column("case cards", justify="right")
    table.add_column("thread follow-ups", justify="right")
    for name in stage.team_channels():
        messages = channel_messages(standin, name)
        replies = sum(len(m["replies"]) for m in messages)
        table.add_row(f"#{name}", str(len(messages)), str(replies))
    console.print(table)
    with Session(runtime.engine) as session:
        cases = session.exec(select(Case)).all()
        mentions = session.exec(select(Mention)).all()
        inbox = session.exec(select(InboxItem)).all()
    masked = sum(1 for m in mentions if m.text_masked != m.text_raw)
    ignored = [i.reason for i in inbox if i.status is InboxStatus.IGNORED]
    console.print(
        f"webhooks sent {stats.webhooks_sent} (refused {len(stats.webhooks_failed)}); "
        f"mentions {len(mentions)} in {len(cases)} cases; personal data masked in {masked}; "
        f"not cases: {len(ignored)} ({'; '.join(r or '' for r in ignored)}); "
        f"commands {stats.commands} (errors {len(stats.command_errors)})"
    )
    platforms = stage.platforms
    console.print(
        f"replies the platforms accepted: on X {len(platforms.x.posted)} public and {len(platforms.x.dms)} "
        f"private; through the Graph API {len(platforms.graph.calls)} (Facebook, Instagram, Messenger); "
        f"through the generic receiver {len(platforms.generic.received)}"
    )
    for problem in stats.webhooks_failed + stats.command_errors:
        console.print(f"[red]  problem: {problem}[/red]")


def run_demo(
    *,
    commands: list[str] | None,
    db_path: Path | None = None,
    width: int = 110,
    on_finish: Callable[[Stage], None] | None = None,
) -> int:
    """Run the demo; `commands` None means interactive. Returns the process exit code.

    `on_finish` sees the stage (stand-ins included) before everything stops: how tests look at what
    reached the platforms, not only at what was printed."""
    console = Console(width=width, highlight=False)
    with _environment(db_path) as (runtime, standin, clock, platforms, base_url, signing):
        directory = {u.name: u.id for u in DEFAULT_USERS}
        people = {
            u.name: PretendUser(base_url, signing, standin, u.id, u.name, directory) for u in DEFAULT_USERS
        }
        names = {BOT_USER_ID: BOT_NAME, **{u.id: u.name for u in DEFAULT_USERS}}
        stage = Stage(
            console, runtime, standin, clock, platforms, people, FormDesk(standin), DemoStats(), names
        )
        console.print(
            f"[bold]socialdesk demo[/bold]: SQLite, the Slack stand-in at {standin.url}, the app at "
            f"{base_url}; replies go to local X ({platforms.x.url}), Graph ({platforms.graph.url}) and "
            f"generic ({platforms.generic.url}) stand-ins"
        )
        _play_feed(stage, base_url)
        console.print(Rule("[bold]Slack, as your team sees it[/bold]"))
        stage.show_channels(stage.team_channels())
        console.print(Rule("[bold]Your turn[/bold]"))
        console.print(Text(HELP))
        lines = iter(commands) if commands is not None else None
        while True:
            if lines is None:
                try:
                    line = console.input("[bold]socialdesk› [/bold]")
                except (EOFError, KeyboardInterrupt):
                    break
            else:
                scripted = next(lines, None)
                if scripted is None:
                    break
                line = scripted
            if not run_line(stage, line):
                break
        _summary(stage)
        if on_finish is not None:
            on_finish(stage)
    stats = stage.stats
    return 1 if stats.webhooks_failed or any("HTTP" in e for e in stats.command_errors) else 0
