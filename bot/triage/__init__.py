"""Triage: category, sentiment, needs-reply and priority of a mention (see path.py)."""
