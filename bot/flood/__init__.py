"""Flood control: while a channel gets more new cases than Slack (about one post a second) or its readers
(`flood.cards_per_minute`) can take, low-priority cases join one updating roll-up message per topic
instead of each getting a card. P1 and P2 always get their own card; nothing is dropped."""
