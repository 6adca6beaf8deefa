"""What the scheduler benchmark's cases look like: the platform, category, sentiment and priority
mixes, the customers' texts, and which canned replies answer them (`benchmarks.scheduler_store`)."""

from __future__ import annotations

import yaml

from socialdesk.config import Config, parse_config
from socialdesk.samples import sample_config_path

W = tuple[tuple[str, int], ...]

PLATFORMS: W = (
    ("x", 32), ("facebook", 20), ("instagram", 20), ("messenger", 8), ("reddit", 10), ("review", 10)
)
CATEGORIES: W = (
    ("complaint", 30), ("question", 35), ("praise", 10), ("incident", 8), ("spam", 2), ("other", 15)
)
SENTIMENT: dict[str, W] = {
    "complaint": (("very_negative", 30), ("negative", 50), ("neutral", 18), ("positive", 2)),
    "question": (("negative", 10), ("neutral", 70), ("positive", 20)),
    "praise": (("positive", 40), ("very_positive", 60)),
    "incident": (("very_negative", 25), ("negative", 55), ("neutral", 20)),
    "other": (("negative", 10), ("neutral", 65), ("positive", 25)),
    "spam": (("neutral", 80), ("positive", 20)),
}
PRIORITY: dict[str, W] = {
    "incident": (("P1", 20), ("P2", 50), ("P3", 30)),
    "complaint": (("P1", 2), ("P2", 15), ("P3", 60), ("P4", 23)),
    "question": (("P2", 3), ("P3", 22), ("P4", 75)),
    "praise": (("P4", 1),),
    "other": (("P3", 15), ("P4", 85)),
    "spam": (("P4", 1),),
}
TEXTS: dict[str, tuple[str, ...]] = {
    "complaint": (
        "My parcel arrived damaged, very disappointed",
        "Terrible service, nobody answers my emails. Call me on [phone]",
        "Still waiting for my order after two weeks, not happy",
        "Your courier left my package in the rain again",
        "The replacement is faulty too, what a waste of money",
    ),
    "billing": (
        "I was charged twice this month, please refund me",
        "Where is my refund? It's been ten days",
        "Why did my subscription price go up without warning?",
        "Overcharged on my last invoice, order [order] please fix",
    ),
    "question": (
        "How do I export my data to CSV?",
        "Is there a student discount?",
        "How can I change my delivery address?",
        "Can you tell me when the new range is in stores?",
    ),
    "praise": ("Love the new update, great work!", "Thanks to your support team, sorted in minutes"),
    "incident": (
        "the app is down again, can't log in",
        "Website not loading for me, is it just me?",
        "Checkout error for the last hour, payment keeps failing",
    ),
    "other": ("Do you ship to Norway?", "Saw your ad yesterday, looks interesting"),
    "spam": ("Win a free phone, click here", "Cheap followers at my site"),
}
CANNED: dict[str, tuple[str, ...]] = {
    "complaint": ("ack-complaint", "delivery-delay", "apology-resolved"),
    "billing": ("refund-billing",),
    "question": ("question-dm", "delivery-delay"),
    "praise": ("thanks",),
    "incident": ("outage-ack", "apology-resolved"),
    "other": ("dm-sent",),
}
AGENTS = {"support": 30, "billing": 12, "incidents": 8, "reviews": 8}
ESCALATE_TO = {"support": ("billing", "incidents"), "billing": ("support",), "incidents": ("support",)}
ESCALATE_TO["reviews"] = ("support",)
CSAT_SCORES = tuple("55555555444444333221111")  # mostly happy, a tail of unhappy answers


def bench_config() -> Config:
    """The shipped sample config, plus what a demanding service manager adds: resolution targets, and
    business hours for billing (Mon-Sat 08-20) and the review team (Mon-Fri 09-17)."""
    path = sample_config_path()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    social = {"P1": 240, "P2": 480, "default": 1440}
    data["sla"]["resolution"] = {p: social for p in ("x", "facebook", "instagram", "messenger", "reddit")}
    data["sla"]["resolution"]["review"] = {"default": 2880}
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    hours = {
        "billing": {"days": [*weekdays, "sat"], "start": "08:00", "end": "20:00"},
        "reviews": {"days": weekdays, "start": "09:00", "end": "17:00"},
    }
    for team in data["teams"]:
        if team["name"] in hours:
            team["business_hours"] = hours[team["name"]]
    return parse_config(data, path)
