"""Open-loop paced load: request i is sent at i / rate over keep-alive connections, round-robin over
one or more servers, and each request's status is kept (a dropped connection counts as status 0)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from benchmarks.loadgen import _read_response


@dataclass
class PacedResult:
    status: dict[int, int] = field(default_factory=dict)  # request index -> HTTP status (0: no answer)
    elapsed: float = 0.0

    def accepted(self) -> list[int]:
        return [i for i, s in self.status.items() if s == 200]


async def _worker(
    ports: list[int], queue: list[tuple[int, bytes]], result: PacedResult, started: float, rate: float
) -> None:
    conns: dict[int, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
    try:
        while queue:
            index, request = queue.pop()
            await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
            port = ports[index % len(ports)]
            try:
                if port not in conns:
                    conns[port] = await asyncio.open_connection("127.0.0.1", port)
                reader, writer = conns[port]
                writer.write(request)
                result.status[index] = await asyncio.wait_for(_read_response(reader), 30)
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                result.status[index] = 0  # a killed replica: this request was not acknowledged
                conns.pop(port, None)
    finally:
        for _, writer in conns.values():
            writer.close()


async def _run(ports: list[int], requests: list[bytes], rate: float, concurrency: int) -> PacedResult:
    result = PacedResult()
    queue = list(reversed(list(enumerate(requests))))
    started = time.perf_counter()
    await asyncio.gather(*(_worker(ports, queue, result, started, rate) for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


def run_paced(ports: list[int], requests: list[bytes], rate: float, concurrency: int = 64) -> PacedResult:
    """`requests` are raw HTTP requests (their Host header is not checked by the server)."""
    return asyncio.run(_run(ports, requests, rate, concurrency))
