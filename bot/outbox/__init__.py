"""The outbox: Slack calls queued in the database by every feature and sent by one sender.

`queue` is what features write through (`enqueue` and the message kinds); `renderers` is the table that
says how each kind is drawn (features register into it at composition time); `sender` makes the calls
through the `transport.ChatApi` protocol (Slack's implementation lives in socialdesk.slack), with `claim`,
`history` and `upload` for its guarantees. See docs/layout.md.
"""
