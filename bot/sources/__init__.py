"""The built-in channels, written as plugins of the public API (`socialdesk.plugins`) like anyone's.

| plugin    | source `name` | platforms                         | webhook            | poller          |
| --------- | ------------- | --------------------------------- | ------------------ | --------------- |
| `meta`    | `meta`        | facebook, instagram, messenger    | `/webhooks/meta`   |                 |
| `x`       | `x`           | x                                 | `/webhooks/x`      | mentions (v2)   |
| `generic` | `generic`     | reddit, review, other (and any)   | `/webhooks/generic`|                 |
| `threads` | `threads`     | threads                           | `/webhooks/threads`| mentions, replies |

Threads deliveries arriving on Meta's shared callback, `/webhooks/meta`, are claimed by `threads`.

socialdesk finds them through its own entry points (`pyproject.toml`, group `socialdesk.plugins`), the
same way it finds a third-party plugin. Each reads its settings with the environment names of the
interface contract (`META_*`, `X_*`, `WEBHOOK_SECRET`, `GENERIC_REPLY_URL`); a runtime built from a
`Settings` hands them the same values from it (`socialdesk.sources.preset`).

The built-ins never raise `PluginOff`: a channel without its secret stays listed as active and answers
its webhook with 503 and a reply with a message naming the variable an admin must set, as it always has.
"""
