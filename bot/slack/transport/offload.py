"""Slash commands and button clicks acknowledged by the web process and worked by another process.

Why: the work after Slack's ack (a claim, a history, a modal) competes for the GIL with the requests
still waiting for their ack. With `SLACK_LISTENER_PROCESSES` > 0, `serve` verifies the signature, hands
the raw request to a listener process over a local queue and answers 200 at once; the listener
process runs the same Bolt app and handlers (its own ack is a no-op). Modal submissions stay in the
web process, because their answer (`response_action: errors`) must be in the HTTP response.

A full queue (the listener processes are far behind) falls back to working the request in-process:
slower, never lost.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

Headers = dict[str, str | Sequence[str]]
QUEUE_LIMIT = 5000
PARENT_CHECK_SECONDS = 2.0  # an idle listener process looks this often whether serve is still there


def offloadable(body: str, content_type: str) -> bool:
    """A slash command or a block action: their listeners ack with no payload (see `ack_first`)."""
    if "application/x-www-form-urlencoded" not in content_type:
        return False
    form = parse_qs(body, keep_blank_values=True)
    if form.get("command"):
        return True
    raw = form.get("payload")
    if not raw:
        return False
    try:
        payload = json.loads(raw[0])
    except ValueError:
        return False
    return isinstance(payload, dict) and payload.get("type") == "block_actions"


@dataclass
class OffloadSlot:
    """Where the web route hands requests over; empty (in-process work) unless `serve` fills it."""

    verifier: SignatureVerifier | None = None
    submit: Any = None  # Callable[[str, Headers], bool]

    def take(self, body: str, headers: Headers) -> bool:
        """True when the request was verified and handed over; False means: dispatch it here."""
        if self.submit is None or self.verifier is None:
            return False
        content_type = _first(headers.get("content-type"))
        if not offloadable(body, content_type):
            return False
        if not self.verifier.is_valid(
            body, _first(headers.get("x-slack-request-timestamp")), _first(headers.get("x-slack-signature"))
        ):
            return False  # Bolt refuses it with its usual 401
        return bool(self.submit(body, headers))


def _first(value: str | Sequence[str] | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else (value[0] if value else "")


@dataclass
class ListenerProcesses:
    """N processes, each with its own runtime (database pool, Slack client, Bolt app and handlers)."""

    settings: Any  # socialdesk.settings.Settings; pickled to the children
    # socialdesk.app.build_runtime, handed in by the composition root: slack does not import the app
    build_runtime: Callable[..., Any]
    count: int = 1
    _queue: Any = None
    _processes: list[BaseProcess] = field(default_factory=list)

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._queue = context.JoinableQueue(maxsize=QUEUE_LIMIT)
        for index in range(self.count):
            self._processes.append(self._spawn(index))

    def _spawn(self, index: int) -> BaseProcess:
        context = multiprocessing.get_context("spawn")
        process = context.Process(
            target=listener_main,
            args=(self.build_runtime, self.settings, self._queue, os.getpid()),
            name=f"slack-listener-{index}",
        )
        process.start()
        return process

    def revive(self) -> int:
        """Replace listener processes that died (killed, out of memory): without this, every later
        command would be acked to Slack and never worked. Returns how many were restarted."""
        restarted = 0
        for index, process in enumerate(self._processes):
            if not process.is_alive():
                log.error("slack listener %s died (exit %s); starting a new one", index, process.exitcode)
                self._processes[index] = self._spawn(index)
                restarted += 1
        return restarted

    def submit(self, body: str, headers: Headers) -> bool:
        self.revive()
        try:
            self._queue.put_nowait(
                (body, {k: list(v) if not isinstance(v, str) else [v] for k, v in headers.items()})
            )
        except queue.Full:
            log.warning("slack listener queue full; working the request in the web process")
            return False
        return True

    def join(self) -> None:
        """Wait until every handed-over request has been worked (its listener finished)."""
        self._queue.join()

    def stop(self, timeout: float = 10.0) -> None:
        for _ in self._processes:
            self._queue.put(None)
        for process in self._processes:
            process.join(timeout)
            if process.is_alive():
                process.terminate()
        self._processes.clear()


def listener_main(build_runtime: Callable[..., Any], settings: Any, requests: Any, parent: int) -> None:
    """A listener process: the same runtime as `serve` without the HTTP server and background jobs."""
    from slack_bolt import BoltRequest

    from socialdesk.logging_setup import setup_logging
    from socialdesk.workers import orphaned

    setup_logging(settings.log_level)
    # Below the web process: when both want the CPU, acks win.
    os.nice(5)
    runtime = build_runtime(settings, migrate=False, load_triage=False)  # acks and clicks never triage
    unfinished = 0  # taken from the queue, listener maybe still running
    try:
        while True:
            try:
                item = requests.get(timeout=PARENT_CHECK_SECONDS)
            except queue.Empty:
                if orphaned(parent):
                    log.error("serve is gone; this listener process stops")
                    return
                continue
            if item is None:
                requests.task_done()
                break
            body, headers = item
            try:
                runtime.bolt.dispatch(BoltRequest(body=body, headers=headers))
            except Exception:  # one bad request must not stop the others
                log.exception("slack request failed in the listener process")
            unfinished += 1
            if requests.empty():
                # A lull: let the listeners finish, then say these requests are done (for `join`).
                runtime.wait_for_listeners(timeout=300)
                for _ in range(unfinished):
                    requests.task_done()
                unfinished = 0
        runtime.wait_for_listeners(timeout=300)
        for _ in range(unfinished):
            requests.task_done()
    finally:
        runtime.close()


def attach_listener_processes(runtime: Any, *, build_runtime: Callable[..., Any]) -> ListenerProcesses | None:
    """Start the listener processes `SLACK_LISTENER_PROCESSES` asks for and route requests to them;
    `build_runtime` builds each process's runtime."""
    settings = runtime.settings
    if settings.slack_listener_processes <= 0 or settings.slack_signing_secret is None:
        return None
    processes = ListenerProcesses(settings, build_runtime, count=settings.slack_listener_processes)
    processes.start()
    runtime.slack_offload.verifier = SignatureVerifier(settings.slack_signing_secret.get_secret_value())
    runtime.slack_offload.submit = processes.submit
    return processes
