"""`socialdesk demo`: the whole product on the embedded default, no tokens needed.

A real SQLite file, the real HTTP server, the Slack stand-in and a simulated feed sent as signed
webhooks. Simulated time (a manual clock) moves the feed and Slack's pacing along without waiting, and
`wait` runs the scheduled jobs through the hours (bot/demo/clockwork.py).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from sqlmodel import Session, select

from socialdesk.app import Runtime, build_runtime
from socialdesk.clock import ManualClock
from socialdesk.config import Config, load_config
from socialdesk.demo.changes import channel_messages
from socialdesk.demo.delivery import send_items
from socialdesk.demo.feed import build_feed
from socialdesk.demo.feed_more import more_items
from socialdesk.demo.forms import FormDesk
from socialdesk.demo.platforms import DemoPlatforms
from socialdesk.demo.platforms import started as platforms_started
from socialdesk.demo.pretend_user import PretendUser
from socialdesk.demo.steps import HELP, DemoStats, Stage, run_line
from socialdesk.domain.enums import InboxStatus
from socialdesk.domain.models import Case, InboxItem, Mention
from socialdesk.samples import sample_config_path
from socialdesk.settings import Settings
from socialdesk.standin import SlackStandin
from socialdesk.standin.models import StandInUser
from socialdesk.standin.workspace import BOT_NAME, BOT_USER_ID, DEFAULT_USERGROUPS, DEFAULT_USERS
from socialdesk.web.serving import background_server

DEMO_LEAD = "U0MANAGER1"  # priya in the stand-in's workspace
DEMO_AGENTS = ("U0AGENT01", "U0AGENT02")  # maria and sam
DEMO_COMMS_LEAD = "U0AGENT02"  # sam, a senior agent: also a lead, so a crisis's comms_lead
# The stand-in's people and one more: nora, from the legal team. The service-outage playbook's `legal`
# role is `members: [managers]` ("until then managers stand in"), so the demo lists her as a manager.
DEMO_LEGAL = StandInUser("U0LEGAL001", "nora", "Nora Counsel", "nora@example.com")
DEMO_USERS: tuple[StandInUser, ...] = (*DEFAULT_USERS, DEMO_LEGAL)
# The feed starts at this local time (config time zone) on the latest day it has already passed: the
# demo's day never straddles midnight, so `wait until 08:00 tomorrow` brings the digest of that day.
DEMO_START = time(9, 40)


def demo_start(now: datetime, tz: str) -> datetime:
    """The most recent `DEMO_START` local time at or before `now`, in UTC."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day: date = local.date() - timedelta(days=1 if local.time() < DEMO_START else 0)
    return datetime.combine(day, DEMO_START, tzinfo=zone).astimezone(UTC)


def demo_config(config: Config) -> Config:
    """The sample config as the demo's workspace needs it: priya leads (so `assign` works) and is the duty
    lead the SLA page mentions. For the crisis act's two-person rule: sam is a lead too (the playbook's
    comms_lead), nora a manager (its legal approver), and maria and sam are named as the agents (so the
    playbook's surge agents, `members: [agents]`, are invited to its war room). The
    stand-in's user group is every team's on-call group (an unclaimed
    case's at-risk nudge calls it); and no digest catch-up, because the workspace is new: yesterday had
    no traffic, and an empty "yesterday" digest at the first `wait` would only confuse."""
    group = DEFAULT_USERGROUPS[0].id if DEFAULT_USERGROUPS else None
    return config.model_copy(
        update={
            "roles": config.roles.model_copy(
                update={
                    "leads": [DEMO_LEAD, DEMO_COMMS_LEAD],
                    "managers": [DEMO_LEGAL.id],
                    "agents": list(DEMO_AGENTS),
                }
            ),
            "duty_leads": [DEMO_LEAD],
            "teams": [t.model_copy(update={"oncall_group": t.oncall_group or group}) for t in config.teams],
            "digest": config.digest.model_copy(update={"catch_up_hours": 0}),
        }
    )


@contextmanager
def _environment(
    db_path: Path | None, now: datetime | None
) -> Iterator[tuple[Runtime, SlackStandin, ManualClock, DemoPlatforms, str, str]]:
    config = demo_config(load_config(sample_config_path()))
    clock = ManualClock(demo_start(now or datetime.now(UTC), config.timezone))
    with tempfile.TemporaryDirectory(prefix="socialdesk-demo-") as tmp:
        database = db_path or Path(tmp) / "socialdesk-demo.db"
        token, signing = "xoxb-demo-" + secrets.token_hex(8), secrets.token_hex(16)
        with (
            SlackStandin(token=token, clock=clock, users=DEMO_USERS) as standin,
            platforms_started(clock, config.masking, config.whatsapp.templates) as platforms,
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
            # The appstore plugin reads its own settings from the environment, as in production.
            with _variables(platforms.plugin_environment()):
                runtime = build_runtime(settings, clock=clock, config=config)
            try:
                with background_server(runtime.http) as base_url:
                    yield runtime, standin, clock, platforms, base_url, signing
            finally:
                runtime.close()


@contextmanager
def _variables(values: dict[str, str]) -> Iterator[None]:
    """`values` set in the environment while the runtime is built (its plugins read them), then restored."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _play_feed(stage: Stage) -> None:
    stage.console.print(Rule("[bold]The feed: a morning of social traffic, sent as signed webhooks[/bold]"))
    start = stage.clock.now()
    send_items(stage, [*build_feed(start), *more_items(start)], start)  # then WhatsApp, Threads, Bluesky


def _summary(stage: Stage, started: datetime) -> None:
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
    on_x, on_page = platforms.brand_posts()  # crisis statements: posts of our own, not replies
    statements = f"; crisis statements posted: on X {on_x}, on the Facebook Page {on_page}"
    console.print(
        f"replies the platforms accepted: on X {len(platforms.x.posted) - on_x} public and "
        f"{len(platforms.x.dms)} private; through the Graph API {len(platforms.graph.calls) - on_page} "
        f"(Facebook, Instagram, Messenger); through the generic receiver {len(platforms.generic.received)}"
        + (statements if on_x or on_page else "")
        + f"; App Store developer responses {len(platforms.appstore.responses)}"
        + "".join(f"; on {name} {count}" for name, count in platforms.more.counts().items())
    )
    config = runtime.config
    alerts = {
        name.lstrip("#"): len(channel_messages(standin, name.lstrip("#")))
        for name in (config.duty_channel, config.digest.channel or config.managers_channel)
    }
    zone = ZoneInfo(config.timezone)
    span = [when.astimezone(zone).strftime("%a %d %b %H:%M") for when in (started, stage.clock.now())]
    console.print(
        f"simulated time {span[0]} to {span[1]} "
        f"({config.timezone}); "
        + "; ".join(f"messages in #{name} {count}" for name, count in alerts.items())
        + f"; files shared {len(standin.files())}"
    )
    for problem in stats.webhooks_failed + stats.command_errors + stats.job_failures:
        console.print(f"[red]  problem: {problem}[/red]")


def run_demo(
    *,
    commands: list[str] | None,
    db_path: Path | None = None,
    width: int = 110,
    on_finish: Callable[[Stage], None] | None = None,
    files_dir: Path | None = None,
    now: datetime | None = None,
) -> int:
    """Run the demo; `commands` None means interactive. Returns the process exit code.

    `on_finish` sees the stage (stand-ins included) before everything stops: how tests look at what
    reached the platforms, not only at what was printed. Files shared in Slack (the digest's chart) are
    written to `files_dir`, or to a new temporary folder that outlives the demo. `now` (default: the
    wall clock) picks the demo's day: it starts at the latest `DEMO_START` before it."""
    console = Console(width=width, highlight=False)
    with _environment(db_path, now) as (runtime, standin, clock, platforms, base_url, signing):
        directory = {u.name: u.id for u in DEMO_USERS}
        people = {
            u.name: PretendUser(base_url, signing, standin, u.id, u.name, directory) for u in DEMO_USERS
        }
        names = {
            BOT_USER_ID: BOT_NAME,
            **{u.id: u.name for u in DEMO_USERS},
            **{g.id: g.handle for g in DEFAULT_USERGROUPS},
        }
        stage = Stage(
            console,
            runtime,
            standin,
            clock,
            platforms,
            people,
            FormDesk(standin),
            DemoStats(),
            names,
            files_dir=files_dir,
            base_url=base_url,
        )
        console.print(
            f"[bold]socialdesk demo[/bold]: SQLite, the Slack stand-in at {standin.url}, the app at "
            f"{base_url}; replies go to local X ({platforms.x.url}), Graph ({platforms.graph.url}), "
            f"generic ({platforms.generic.url}), App Store Connect ({platforms.appstore.url}), Threads "
            f"({platforms.more.threads.url}) and Bluesky ({platforms.more.bluesky.url}) stand-ins; WhatsApp "
            "answers on the Graph host"
        )
        started = clock.now()
        _play_feed(stage)
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
        _summary(stage, started)
        if on_finish is not None:
            on_finish(stage)
    stats = stage.stats
    failed = stats.webhooks_failed or stats.job_failures or any("HTTP" in e for e in stats.command_errors)
    return 1 if failed else 0
