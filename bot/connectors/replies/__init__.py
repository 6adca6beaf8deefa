"""Answering customers on their platform: one connector per platform, chosen by `ReplyConnectors`."""
