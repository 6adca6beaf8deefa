"""Part of .ci/wheel-check, run by the wheel's own venv: a Slack stand-in that waits for a case card.

    python wheel_relay.py TOKEN URL_FILE [SECONDS]

Starts the installed socialdesk.standin with TOKEN, writes its URL to URL_FILE, and exits 0 as soon as
a case card (a chat.postMessage with blocks) reaches it, 1 when none came within SECONDS (default 60).
Nothing here imports the repository: only what the wheel installed.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from socialdesk.standin import SlackStandin


def main() -> int:
    token, url_file = sys.argv[1], Path(sys.argv[2])
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    with SlackStandin(token=token) as slack:
        url_file.write_text(slack.url)
        done = threading.Event()
        for _ in range(int(seconds * 10)):
            cards = [c for c in slack.calls_to("chat.postMessage") if c.args.get("blocks")]
            if cards:
                print(f"card received in {cards[0].args.get('channel')}: {str(cards[0].args.get('text'))[:80]}")
                return 0
            done.wait(0.1)  # a shell check polling a real server, not a test
    print(f"no case card within {seconds:.0f} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
