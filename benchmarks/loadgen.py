"""A lean HTTP/1.1 keep-alive load generator (asyncio streams), so the client costs as little CPU as
possible on a 2-core machine and the server's rate is what gets measured."""

from __future__ import annotations

import asyncio
import time
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
