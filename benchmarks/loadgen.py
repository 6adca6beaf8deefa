"""A lean HTTP/1.1 keep-alive load generator (asyncio streams), so the client costs as little CPU as
possible on a 2-core machine and the server's rate is what gets measured."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, per request
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]


def build_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def _worker(host: str, port: int, queue: list[bytes], result: LoadResult, lock: asyncio.Lock) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            async with lock:
                if not queue:
                    return
                request = queue.pop()
            started = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _run(host: str, port: int, requests: list[bytes], concurrency: int) -> LoadResult:
    result = LoadResult()
    queue = list(reversed(requests))
    lock = asyncio.Lock()
    started = time.perf_counter()
    await asyncio.gather(*(_worker(host, port, queue, result, lock) for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


def run_load(host: str, port: int, requests: list[bytes], concurrency: int) -> LoadResult:
    return asyncio.run(_run(host, port, requests, concurrency))


@dataclass
class TaggedLoadResult(LoadResult):
    """A LoadResult that also keeps each request's latency under its tag (the request kind), and when
    each answer came (`answered_at[i]`, wall-clock epoch seconds, for the i-th request given)."""

    by_tag: dict[str, list[float]] = field(default_factory=dict)
    answered_at: dict[int, float] = field(default_factory=dict)

    def tag_percentile(self, tag: str, p: float) -> float:
        return LoadResult(latencies=self.by_tag.get(tag, [])).percentile(p)


async def _tagged_worker(
    host: str,
    port: int,
    queue: list[tuple[int, str, bytes]],
    result: TaggedLoadResult,
    lock: asyncio.Lock,
    due: Callable[[int], float] | None,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            async with lock:
                if not queue:
                    return
                index, tag, request = queue.pop()
            started = time.perf_counter()
            if due is not None:
                # Open loop: request i is sent at its due time; a late start (every connection busy)
                # counts against the server, so latency runs from the due time.
                await asyncio.sleep(max(0.0, due(index) - started))
                started = min(due(index), time.perf_counter())
            writer.write(request)
            status = await _read_response(reader)
            latency = time.perf_counter() - started
            result.answered_at[index] = time.time()
            result.latencies.append(latency)
            result.by_tag.setdefault(tag, []).append(latency)
            result.statuses[status] = result.statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _run_tagged(
    host: str, port: int, requests: list[tuple[str, bytes]], concurrency: int, rate: float | None
) -> TaggedLoadResult:
    result = TaggedLoadResult()
    queue = [(i, tag, request) for i, (tag, request) in reversed(list(enumerate(requests)))]
    lock = asyncio.Lock()
    started = time.perf_counter()
    due = None if rate is None else (lambda i: started + i / rate)
    await asyncio.gather(*(_tagged_worker(host, port, queue, result, lock, due) for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


def run_tagged_load(
    host: str, port: int, requests: list[tuple[str, bytes]], concurrency: int, rate: float | None = None
) -> TaggedLoadResult:
    """Like `run_load`, for (tag, raw request) pairs; latencies are also kept per tag. With `rate`
    (requests/s) the load is open-loop: request i is due at i/rate, over at most `concurrency`
    connections, instead of each connection sending its next request as soon as it has an answer."""
    return asyncio.run(_run_tagged(host, port, requests, concurrency, rate))
