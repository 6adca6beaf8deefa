"""`socialdesk demo`: the whole product on the embedded default, no tokens needed.

A real SQLite file, the real HTTP server, the Slack stand-in and a simulated feed sent as signed
webhooks. Simulated time (a manual clock) moves the feed and Slack's pacing along without waiting.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from sqlmodel import Session, select

from bot.app import Runtime, build_runtime
from bot.clock import ManualClock
from bot.config import load_config
from bot.connectors.verify import sign_generic, sign_meta, sign_x
from bot.demo.feed import FeedItem, build_feed
from bot.demo.pretend_user import DemoInputError, PretendUser
from bot.demo.terminal import render_channel
from bot.domain.enums import InboxStatus
from bot.domain.models import Case, InboxItem, Mention
from bot.settings import PROJECT_ROOT, SAMPLE_CONFIG_NAME, Settings
from bot.standin import SlackStandin
from bot.web.serving import background_server

DEMO_USER = ("U0AGENT001", "alice")
HELP = """Type a slash command as in Slack, or click a card's button:
  /social help | /social queue | /social show 3 | /social queue billing
  click 3 show_history   buttons: claim reply escalate resolve; menu: private_reply mark_spam show_history
  channels                    show every channel again
  channel social-billing      show one channel
  help | quit"""


@dataclass
class DemoStats:
    webhooks_sent: int = 0
    webhooks_failed: list[str] = field(default_factory=list)
    commands: int = 0
    command_errors: list[str] = field(default_factory=list)


@contextmanager
def _environment(db_path: Path | None) -> Iterator[tuple[Runtime, SlackStandin, ManualClock, str, str]]:
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    clock = ManualClock(start)
    with tempfile.TemporaryDirectory(prefix="socialdesk-demo-") as tmp:
        database = db_path or Path(tmp) / "socialdesk-demo.db"
        token, signing = "xoxb-demo-" + secrets.token_hex(8), secrets.token_hex(16)
        with SlackStandin(token=token, clock=clock) as standin:
            settings = Settings.model_validate(
                {
                    "DATABASE_URL": f"sqlite:///{database}",
                    "SLACK_BOT_TOKEN": SecretStr(token),
                    "SLACK_SIGNING_SECRET": SecretStr(signing),
                    "SLACK_API_URL": standin.url,
                    "WEBHOOK_SECRET": SecretStr("demo-generic"),
                    "META_APP_SECRET": SecretStr("demo-meta"),
                    "META_VERIFY_TOKEN": SecretStr("demo-verify"),
                    "X_CONSUMER_SECRET": SecretStr("demo-x"),
                }
            )
            config = load_config(PROJECT_ROOT / SAMPLE_CONFIG_NAME)
            runtime = build_runtime(settings, clock=clock, config=config)
            try:
                with background_server(runtime.http) as base_url:
                    yield runtime, standin, clock, base_url, signing
            finally:
                runtime.close()


def _deliver(base_url: str, item: FeedItem) -> httpx.Response:
    body = json.dumps(item.body).encode()
    signer = {
        "meta": lambda: sign_meta(body, "demo-meta"),
        "x": lambda: sign_x(body, "demo-x"),
        "generic": lambda: sign_generic(body, "demo-generic"),
    }[item.source]
    return httpx.post(
        f"{base_url}/webhooks/{item.source}",
        content=body,
        headers={"Content-Type": "application/json", **signer()},
        timeout=10,
    )


def _team_channels(runtime: Runtime) -> list[str]:
    return [team.channel_name for team in runtime.config.teams]


def _show_channels(
    console: Console, standin: SlackStandin, channels: list[str], users: dict[str, str]
) -> None:
    for name in channels:
        try:
            messages = [dataclasses.asdict(m) for m in standin.messages(name)]
        except Exception:  # the channel was never created: nothing was routed there
            messages = []
        console.print(render_channel(name, messages, users))


def _play_feed(
    console: Console, runtime: Runtime, clock: ManualClock, base_url: str, stats: DemoStats
) -> None:
    start = clock.now()
    console.print(Rule("[bold]The feed: a morning of social traffic, sent as signed webhooks[/bold]"))
    for item in build_feed(start):
        clock.set(max(clock.now(), start + item.at))
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
        runtime.run_until_idle(clock)


def _run_line(
    line: str,
    *,
    console: Console,
    user: PretendUser,
    runtime: Runtime,
    standin: SlackStandin,
    clock: ManualClock,
    stats: DemoStats,
    users: dict[str, str],
) -> bool:
    """Act on one input line; False means quit."""
    text = line.strip()
    if not text or text.startswith("#"):
        return True
    console.print(f"[bold cyan]› {text}[/bold cyan]")
    words = text.split()
    channels = _team_channels(runtime)
    if words[0] in {"quit", "exit"}:
        return False
    if words[0] == "help":
        console.print(HELP)
        return True
    if words[0] == "channels":
        _show_channels(console, standin, channels, users)
        return True
    if words[0] == "channel" and len(words) == 2:
        _show_channels(console, standin, [words[1].lstrip("#")], users)
        return True
    stats.commands += 1
    seen = len(standin.ephemerals(user=user.user_id))
    try:
        if words[0].startswith("/"):
            response = user.command(text, channel=channels[0])
        elif words[0] == "click" and len(words) == 3:
            response = user.click(int(words[1].lstrip("#")), words[2], channels=channels)
        else:
            raise DemoInputError(f"`{text}` is not something the demo understands. Type `help`.")
    except (DemoInputError, ValueError) as exc:
        console.print(f"[yellow]{exc}[/yellow]")
        stats.command_errors.append(f"{text}: {exc}")
        return True
    if response.status_code != 200:
        stats.command_errors.append(f"{text}: HTTP {response.status_code}")
        console.print(f"[red]Slack endpoint answered {response.status_code}: {response.text}[/red]")
    runtime.wait_for_listeners()
    runtime.run_until_idle(clock)
    for ephemeral in standin.ephemerals(user=user.user_id)[seen:]:
        message = {"ts": ephemeral.ts, "text": ephemeral.text, "blocks": ephemeral.blocks}
        console.print(render_channel(f"only visible to you ({user.user_name})", [message], users))
    return True


def _summary(console: Console, runtime: Runtime, standin: SlackStandin, stats: DemoStats) -> None:
    table = Table(title="socialdesk demo: what happened", show_lines=False)
    table.add_column("channel")
    table.add_column("case cards", justify="right")
    table.add_column("thread follow-ups", justify="right")
    for name in _team_channels(runtime):
        try:
            messages = standin.messages(name)
        except Exception:
            messages = []
        table.add_row(f"#{name}", str(len(messages)), str(sum(len(m.replies) for m in messages)))
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
    for problem in stats.webhooks_failed + stats.command_errors:
        console.print(f"[red]  problem: {problem}[/red]")


def run_demo(*, commands: list[str] | None, db_path: Path | None = None, width: int = 110) -> int:
    """Run the demo; `commands` None means interactive. Returns the process exit code."""
    console = Console(width=width, highlight=False)
    stats = DemoStats()
    with _environment(db_path) as (runtime, standin, clock, base_url, signing):
        users = {"U0AGENT001": "alice", "U0AGENT002": "bob", "U0MANAGER1": "carol"}
        user = PretendUser(base_url, signing, standin, *DEMO_USER)
        console.print(
            f"[bold]socialdesk demo[/bold]: SQLite, the Slack stand-in at {standin.url}, "
            f"the app at {base_url}"
        )
        _play_feed(console, runtime, clock, base_url, stats)
        console.print(Rule("[bold]Slack, as your team sees it[/bold]"))
        _show_channels(console, standin, _team_channels(runtime), users)
        console.print(Rule("[bold]Your turn[/bold]"))
        console.print(HELP)
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
            if not _run_line(
                line,
                console=console,
                user=user,
                runtime=runtime,
                standin=standin,
                clock=clock,
                stats=stats,
                users=users,
            ):
                break
        _summary(console, runtime, standin, stats)
    return 1 if stats.webhooks_failed or any("HTTP" in e for e in stats.command_errors) else 0
