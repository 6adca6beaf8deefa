"""What /proc says of a benchmarked process: its peak memory."""

from __future__ import annotations

from pathlib import Path


def peak_rss_mb(pid: int) -> float | None:
    """The process's high-water resident set (VmHWM), in MB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def serve_peak_rss_mb(pid: int) -> float | None:
    """Peak resident memory of `serve` (issue 17: under 300 MB at 30,000 mentions): its own high-water
    mark plus its children's (listener and, when enabled, ingest processes), read before it stops."""
    own = peak_rss_mb(pid)
    if own is None:
        return None
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children.extend(int(x) for x in task.read_text().split())
        except OSError:
            continue
    return own + sum(peak_rss_mb(child) or 0.0 for child in children)
