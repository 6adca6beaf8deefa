"""socialdesk: social-media customer service run from Slack."""

__version__ = "0.1.0"
