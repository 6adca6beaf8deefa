"""Block Kit renderers: pure functions from views (plain data) to Slack messages, modals and home tabs.

They read nothing and call nothing; `kit` holds the Block Kit primitives and Slack's limits. What reads
the store to draw a message at send time is in `socialdesk.slack.renderers`.
"""
