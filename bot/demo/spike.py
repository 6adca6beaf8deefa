"""The crisis act's traffic for `socialdesk demo`: a burst of complaints about a login outage (`spike`), and
single customer posts typed at the prompt (`customer x <words>`), as the platforms would send them.

The burst is what the early-warning job is built to notice: forty negative posts about "down" and
"login" in five minutes, from different people, on X and under our Facebook post, a few of them from
accounts with a large following. They go through the same signed webhooks as the morning's feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from socialdesk.demo.feed import BRAND_PAGE_ID, FeedItem, _fb_comment, _tweet, _x_user

SPIKE_SPAN = timedelta(minutes=5)
# The Page post the Facebook complaints are left under: this morning's "new look for the app" post.
SPIKE_FB_POST = f"{BRAND_PAGE_ID}_905500000000001"


@dataclass(frozen=True, slots=True)
class Complaint:
    platform: str  # "x" | "facebook"
    handle: str  # X screen name, or the Facebook display name
    name: str
    followers: int | None  # None on Facebook: the Graph webhook does not say
    text: str


# Forty people, one post each. Every text names the outage ("down", "login", "log in", "error"...) and
# reads as negative, as the service-outage playbook's detection asks; none says anything a P1 rule
# reacts to (legal threats, safety), and the large accounts are cross rather than furious, so the
# early warning is one spike alert, not a string of single-post alerts.
COMPLAINTS: tuple[Complaint, ...] = (
    Complaint(
        "x",
        "ukfintechwatch",
        "UK Fintech Watch",
        184_000,
        "@acme_help seeing lots of reports that Acme login is down in Germany and France. No word from you?",
    ),
    Complaint(
        "x", "hanna_b", "Hanna B", 412, "@acme_help can't log in, the app just says error 503. Useless."
    ),
    Complaint(
        "x",
        "pieter_vd",
        "Pieter van Dijk",
        1_830,
        "@acme_help login failing for our whole office in Rotterdam. Not acceptable.",
    ),
    Complaint(
        "facebook",
        "Marta Kowalska",
        "Marta Kowalska",
        None,
        "Your app is down again? I can't log in and I need my invoices today. Terrible.",
    ),
    Complaint(
        "x",
        "gadget_gina",
        "Gina Reyes",
        61_500,
        "@acme_help Acme is down for me and a bunch of people in my mentions. Login just fails. Annoying.",
    ),
    Complaint(
        "x",
        "lukas_mueller",
        "Lukas Müller",
        240,
        "@acme_help login error again and again. What is going on?!",
    ),
    Complaint(
        "facebook",
        "Sophie Laurent",
        "Sophie Laurent",
        None,
        "Impossible to sign in since this morning. Error every time. Very frustrating.",
    ),
    Complaint(
        "x",
        "jonas_k",
        "Jonas K",
        95,
        "@acme_help down? can't log in, I'm locked out of my own account. Awful.",
    ),
    Complaint(
        "x",
        "the_daily_commute",
        "The Daily Commute",
        23_400,
        "@acme_help our readers say Acme login is not working across the EU. Bad timing on a Monday.",
    ),
    Complaint(
        "facebook",
        "Giulia Romano",
        "Giulia Romano",
        None,
        "Login not working at all. Tried three times, same error. Please fix this mess.",
    ),
    Complaint(
        "x", "emre_y", "Emre Yilmaz", 730, "@acme_help app crashed at login, twice. Worst timing ever."
    ),
    Complaint(
        "x",
        "annelies_p",
        "Annelies P",
        310,
        "@acme_help is the service down? login page won't load. Stuck and angry.",
    ),
    Complaint(
        "facebook",
        "Tomás García",
        "Tomás García",
        None,
        "Can't log in on phone or laptop. Is your service down? This is ridiculous.",
    ),
    Complaint(
        "x",
        "freelance_fran",
        "Fran (freelance)",
        4_900,
        "@acme_help I can't log in and my clients are waiting. Losing money here, terrible.",
    ),
    Complaint("x", "matteo_r", "Matteo R", 150, "@acme_help login broken. error error error. Useless app."),
    Complaint(
        "x",
        "kasia_n",
        "Kasia N",
        2_200,
        "@acme_help down for everyone in Warsaw? Login fails with an error. Awful.",
    ),
    Complaint(
        "facebook",
        "Lars Nilsson",
        "Lars Nilsson",
        None,
        "Login has been failing for half an hour. No message from you. Disappointed.",
    ),
    Complaint("x", "noor_h", "Noor H", 88, "@acme_help not working. can't sign in. so annoying"),
    Complaint(
        "x", "b_schneider", "B. Schneider", 1_040, "@acme_help login down and no word from you. Terrible."
    ),
    Complaint(
        "facebook",
        "Chloé Martin",
        "Chloé Martin",
        None,
        "App down? Login error on every try. I'm so fed up with this.",
    ),
    Complaint(
        "x",
        "dev_ops_dan",
        "Dan (ops)",
        12_800,
        "@acme_help login API returning errors for all our EU users. Sad to see this again.",
    ),
    Complaint(
        "x", "ines_costa", "Inês Costa", 320, "@acme_help can't log in. Stuck. Terrible service today."
    ),
    Complaint(
        "facebook", "Petra Novak", "Petra Novak", None, "Nothing works, login just fails. What a disaster."
    ),
    Complaint(
        "x", "oliver_t", "Oliver T", 560, "@acme_help down again?? can't log in, this is a joke. Awful."
    ),
    Complaint(
        "x",
        "camille_d",
        "Camille D",
        1_210,
        "@acme_help login failed 5 times. Error 503. Fix it please, I'm furious.",
    ),
    Complaint(
        "facebook",
        "Anders Holm",
        "Anders Holm",
        None,
        "Is Acme down? I can't log in and I have a deadline. Stressful and annoying.",
    ),
    Complaint("x", "rosa_p", "Rosa P", 75, "@acme_help not loading. login error. hate this"),
    Complaint("x", "mikkel_s", "Mikkel S", 3_300, "@acme_help down in Copenhagen too. Login broken. Bad."),
    Complaint(
        "facebook",
        "Elena Petrova",
        "Elena Petrova",
        None,
        "Log in fails with an error for me and my colleagues. Very bad service.",
    ),
    Complaint("x", "hugo_b", "Hugo B", 410, "@acme_help can't sign in, error again. Terrible."),
    Complaint("x", "zofia_w", "Zofia W", 990, "@acme_help is it just me? login not working, I'm so angry"),
    Complaint(
        "facebook",
        "Jan de Vries",
        "Jan de Vries",
        None,
        "Down again. Can't log in. This is unacceptable for a paid service.",
    ),
    Complaint(
        "x", "aisha_k", "Aisha K", 2_750, "@acme_help login crashing on Android. Frustrating and useless."
    ),
    Complaint("x", "felix_w", "Felix W", 130, "@acme_help app is down and login fails. Awful."),
    Complaint(
        "facebook",
        "Maria Rossi",
        "Maria Rossi",
        None,
        "Error at login every time. I'm losing patience, this is bad.",
    ),
    Complaint("x", "nils_e", "Nils E", 470, "@acme_help sign in broken, error 503. Sad."),
    Complaint(
        "x", "clara_s", "Clara S", 8_100, "@acme_help login down across Europe it seems. Horrible morning."
    ),
    Complaint(
        "facebook", "Pavel Dvořák", "Pavel Dvořák", None, "Login not working. Nobody answers. Terrible."
    ),
    Complaint("x", "yusuf_a", "Yusuf A", 260, "@acme_help service down? can't log in. Really annoying."),
    Complaint(
        "x", "lea_f", "Léa F", 1_560, "@acme_help login error for the whole team. Awful timing, we're stuck."
    ),
)


def build_spike(start: datetime) -> list[FeedItem]:
    """The burst, spread over `SPIKE_SPAN` from `start`: each item at its own offset from `start`."""
    step = (SPIKE_SPAN - timedelta(seconds=10)) / len(COMPLAINTS)
    return [
        _item(index, complaint, start, timedelta(seconds=5) + step * index)
        for index, complaint in enumerate(COMPLAINTS)
    ]


def _item(index: int, complaint: Complaint, start: datetime, at: timedelta) -> FeedItem:
    when = start + at
    if complaint.platform == "x":
        user = _x_user(f"22000003{index:02d}", complaint.handle, complaint.name, complaint.followers or 0)
        body = _tweet(f"18600000000000003{index:02d}", user, complaint.text, when)
        where = f"X @{complaint.handle} ({complaint.followers:,} followers)"
    else:
        comment = f"905500000000001_90600000000003{index:02d}"
        body = _fb_comment(
            comment, SPIKE_FB_POST, (f"31000003{index:02d}", complaint.name), complaint.text, when
        )
        where = f"Facebook {complaint.name}"
    return FeedItem(
        at, complaint.platform if complaint.platform == "x" else "meta", body, f"{where}: {complaint.text}"
    )


# Who posts when the prompt says `customer x <words>`: new people each time, as in a real queue.
CUSTOMERS = (
    ("rachel_o", "Rachel O", "Rachel Owens"),
    ("tariq_m", "Tariq M", "Tariq Mahmood"),
    ("ewa_l", "Ewa L", "Ewa Lis"),
    ("joao_p", "João P", "João Pereira"),
)


def customer_post(platform: str, text: str, when: datetime, number: int) -> FeedItem:
    """One post by the `number`-th prompt customer (1-based), on X (a mention) or Facebook (a comment)."""
    handle, short, name = CUSTOMERS[(number - 1) % len(CUSTOMERS)]
    if platform == "x":
        user = _x_user(f"22000004{number:02d}", handle, short, 180 + 37 * number)
        body = _tweet(f"18600000000000004{number:02d}", user, f"@acme_help {text}", when)
        return FeedItem(timedelta(0), "x", body, f"X @{handle}: @acme_help {text}")
    comment = f"905500000000001_90600000000004{number:02d}"
    body = _fb_comment(comment, SPIKE_FB_POST, (f"31000004{number:02d}", name), text, when)
    return FeedItem(timedelta(0), "meta", body, f"Facebook {name}: {text}")
