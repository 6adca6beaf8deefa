"""Answering customers: the shared HTTP client; each platform's connector lives with its source."""
