"""The outbox: Slack calls queued in the database by every feature and sent by one sender.

`queue` is what features write through (`enqueue` and the message kinds); see docs/layout.md.
"""
