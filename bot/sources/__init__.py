"""The built-in channels, written as plugins of the public API (`socialdesk.plugins`) like anyone's.

| plugin     | platforms                      | webhook              | poller                |
| ---------- | ------------------------------ | -------------------- | --------------------- |
| `meta`     | facebook, instagram, messenger | `/webhooks/meta`     |                       |
| `x`        | x                              | `/webhooks/x`        | mentions (v2)         |
| `generic`  | reddit, review, other, any     | `/webhooks/generic`  |                       |
| `whatsapp` | whatsapp                       | `/webhooks/whatsapp` |                       |
| `threads`  | threads                        | `/webhooks/threads`  | mentions, replies (1) |
| `bluesky`  | bluesky                        |                      | notifications (2)     |

Each plugin's one source has the plugin's name. WhatsApp and Threads deliveries arriving on Meta's
shared callback, `/webhooks/meta`, are claimed by `whatsapp` and `threads`. (1) Threads polls only
where webhooks are not set up (no `META_APP_SECRET`), or when `THREADS_POLL_SECONDS` asks. (2) Mentions,
replies and quotes; Bluesky is polled only (a PDS pushes no webhooks). The review stores' plugins
(`appstore` and the others of issue 15) say what they take in their own packages.

socialdesk finds them through its own entry points (`pyproject.toml`, group `socialdesk.plugins`), the
same way it finds a third-party plugin. Each reads its settings with the environment names of the
interface contract (`META_*`, `X_*`, `WEBHOOK_SECRET`, `GENERIC_REPLY_URL`, `WHATSAPP_*`, `THREADS_*`,
`BLUESKY_*`); a runtime built from a `Settings` hands them the same values from it
(`socialdesk.sources.preset`).

Off or not configured: `meta`, `x` and `generic` never raise `PluginOff`. Without its secret such a
channel stays listed as active and answers its webhook with 503 and a reply with a message naming the
variable an admin must set, as it always has. `whatsapp`, `threads` and `bluesky` (and the review
stores) are newer channels a deployment may not use at all: without their account settings
(`WHATSAPP_PHONE_NUMBER_ID` and `WHATSAPP_TOKEN` both unset; `THREADS_USER_ID` or `THREADS_TOKEN` unset;
`BLUESKY_HANDLE` or `BLUESKY_APP_PASSWORD` unset) they raise `PluginOff` and are listed as off, never as
an error. WhatsApp with only one of its two is on: it takes webhooks and refuses replies naming the
missing variable.
"""
