"""Slack's side of the wire: the notifiers that queue case and crisis messages in the outbox, the outbox's
`ChatApi` over WebClient, channel, people and user-group look-ups, Slack's health, and the checks and
routing of Slack's requests to Bolt (signatures, workspace, ack-first, the listener executor).
"""
