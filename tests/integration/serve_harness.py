"""A real `socialdesk serve` in its own OS process, with the Slack, X and Graph stand-ins in the test
process: started, armed with a failpoint (bot/failpoints.py), killed, restarted on the same database.

Used by tests/integration/test_crash_safety.py. What the deployment did is read back from the
stand-ins (what Slack and the platforms accepted) and from the database (SQLite file or PostgreSQL).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import yaml

from benchmarks.ingest import free_port, wait_healthy
from socialdesk.samples import sample_config_path
from socialdesk.standin import SlackStandin
from socialdesk.standin.platforms import GraphApiStandIn, XApiStandIn
from tests import support

MARIA, SAM, PRIYA = "U0AGENT01", "U0AGENT02", "U0MANAGER1"
X_TOKEN, PAGE_TOKEN = "x-test-bearer", "meta-test-page-token"
KILL_DEADLINE = 30.0  # from the request that reaches the failpoint to the process being gone
SETTLE_DEADLINE = 30.0  # from the restart until Slack and the platforms show the outcome
_tokens = itertools.count(1)
SERVE = "from socialdesk.cli import main; main()"


def until(condition: Callable[[], bool], what: str, deadline: float = SETTLE_DEADLINE) -> None:
    """Poll `condition` until true; fail with `what` after `deadline` seconds (real processes, real time)."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline:.0f} s waiting for {what}")
        time.sleep(0.05)  # sleep-ok: polling another thread or process with a deadline


def write_config(folder: Path) -> Path:
    """The sample config with the crisis roles of tests/integration/test_crisis_lifecycle.py."""
    config = yaml.safe_load(sample_config_path().read_text(encoding="utf-8"))
    config["roles"] = {"agents": [], "leads": [MARIA, SAM], "managers": [PRIYA]}
    config["duty_leads"] = [MARIA]
    # The daily digest must not fall due (or be caught up) while a scenario runs, whatever the time of
    # day: half a day away, no catch-up. The digest scenario sends one explicitly.
    local = datetime.now(ZoneInfo(config.get("timezone", "UTC")))
    away = (local + timedelta(hours=12)).time().replace(second=0, microsecond=0)
    config["digest"] = {**config.get("digest", {}), "time": away.strftime("%H:%M"), "catch_up_hours": 0}
    path = folder / "socialdesk.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Deployment:
    """One service on one database; `start(failpoint)` runs `serve`, `wait_killed()` sees it die."""

    folder: Path
    database_url: str
    standin: SlackStandin
    xapi: XApiStandIn
    graph: GraphApiStandIn
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    # The pipeline in serve's own process, so that its failpoints kill serve; True: in its child.
    ingest_process: bool = False
    listener_processes: int = 0  # slash commands worked in serve itself, so its failpoints are the ones hit

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, failpoint: str | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SOCIALDESK_CONFIG": str(write_config(self.folder)),
            "SLACK_BOT_TOKEN": support.BOT_TOKEN,
            "SLACK_SIGNING_SECRET": support.SIGNING_SECRET,
            "SLACK_API_URL": self.standin.url,
            "WEBHOOK_SECRET": support.WEBHOOK_SECRET,
            "META_APP_SECRET": support.META_APP_SECRET,
            "META_VERIFY_TOKEN": support.META_VERIFY_TOKEN,
            "X_CONSUMER_SECRET": support.X_CONSUMER_SECRET,
            "X_API_URL": self.xapi.base_url,
            "X_ACCESS_TOKEN": X_TOKEN,
            "META_GRAPH_URL": self.graph.base_url,
            "META_PAGE_TOKEN": PAGE_TOKEN,
            "META_PAGE_ID": self.graph.page_id,
            # Pacing lifted: the stand-in has no limit and a test waits seconds, not one per card.
            "SLACK_CHANNEL_INTERVAL": "0",
            "SLACK_LISTENER_PROCESSES": str(self.listener_processes),
            "INGEST_PROCESS": "1" if self.ingest_process else "0",
            "SOCIALDESK_LOG_LEVEL": "WARNING",
        }
        env.pop("SOCIALDESK_FAILPOINT", None)
        if failpoint:
            env["SOCIALDESK_FAILPOINT"] = failpoint
        return env

    def start(self, failpoint: str | None = None) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env(failpoint),
            cwd=self.folder,
        )
        wait_healthy(self.port, self.process)

    def cli(self, *args: str, failpoint: str | None = None) -> subprocess.CompletedProcess[str]:
        """`socialdesk <args>` as its own process on the same database and stand-ins."""
        return subprocess.run(
            [sys.executable, "-c", SERVE, *args],
            env=self.env(failpoint),
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def wait_killed(self) -> None:
        """The armed failpoint fired: the process died of SIGKILL (returncode -9), nothing else."""
        assert self.process is not None
        self.process.wait(KILL_DEADLINE)
        assert self.process.returncode == -9, f"serve ended with {self.process.returncode}, not SIGKILL"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # -- traffic ---------------------------------------------------------------------------------

    def command(
        self, text: str, *, user: str = MARIA, slash: str = "/social", channel: str = "social-support"
    ) -> str:
        """A signed slash command; returns the response_url token its private answers arrive under."""
        token = f"crash{next(_tokens)}"
        channel_id = self.standin.channel_id(channel)
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T0STANDIN1",
                "team_domain": "standin",
                "channel_id": channel_id,
                "channel_name": channel,
                "user_id": user,
                "user_name": user.lower(),
                "command": slash,
                "text": text,
                "api_app_id": "A0SDAPP001",
                "response_url": self.standin.response_url(token, channel=channel_id, user=user),
                "trigger_id": self.standin.new_trigger_id(user),
            }
        )
        try:
            response = httpx.post(
                f"{self.base}/slack/events",
                content=body.encode(),
                headers=support.slack_headers(body, content_type="application/x-www-form-urlencoded"),
                timeout=10,
            )
            assert response.status_code == 200, response.text
        except httpx.TransportError:
            pass  # the process died on this very request (a failpoint before the ack)
        return token

    def answers(self, token: str) -> list[str]:
        return [
            str(c.args.get("text", ""))
            for c in self.standin.calls_to("response_url")
            if c.path.endswith(f"/response/{token}")
        ]

    def answer(self, token: str, *, containing: str = "") -> str:
        until(lambda: any(containing in a for a in self.answers(token)), f"an answer with {containing!r}")
        return next(a for a in self.answers(token) if containing in a)

    # -- what Slack accepted ---------------------------------------------------------------------

    def accepted_posts(self) -> list[dict[str, Any]]:
        """Arguments of every chat.postMessage Slack accepted (ok: true), oldest first."""
        return [
            c.args
            for c in self.standin.calls_to("chat.postMessage")
            if isinstance(c.response, dict) and c.response.get("ok")
        ]

    def posts_by_outbox_id(self) -> Counter[int]:
        ids: Counter[int] = Counter()
        for args in self.accepted_posts():
            metadata = args.get("metadata") or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            outbox_id = (metadata.get("event_payload") or {}).get("outbox_id")
            if isinstance(outbox_id, int):
                ids[outbox_id] += 1
        return ids
