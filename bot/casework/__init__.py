"""Working cases: the services behind `/social`, the card buttons and the modals. Free of Slack."""
