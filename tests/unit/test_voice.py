"""Brand-voice and safety checks on a reply: every rule, its boundaries, and that it never raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.config import BrandVoice, Masking
from socialdesk.domain.enums import Platform, ReplyVisibility
from socialdesk.domain.redact import luhn_ok
from socialdesk.domain.voice import VoiceProblem, VoiceReport, check_reply, initials, platform_length

VOICE = BrandVoice(
    banned_phrases=["calm down", "not our fault", "hell"],
    discouraged_phrases=["unfortunately", "policy states"],
    signature="^{initials}",
    public_contacts=["help@acme.com", "0800 123 4567"],
)
MASKING = Masking()
PUBLIC, PRIVATE = ReplyVisibility.PUBLIC, ReplyVisibility.PRIVATE


def check(
    text: str,
    *,
    platform: Platform = Platform.X,
    visibility: ReplyVisibility = PUBLIC,
    voice: BrandVoice = VOICE,
    agent_initials: str | None = "MJ",
) -> VoiceReport:
    return check_reply(
        text,
        platform=platform,
        visibility=visibility,
        voice=voice,
        masking=MASKING,
        agent_initials=agent_initials,
    )


def codes(report: VoiceReport) -> list[str]:
    return [p.code for p in report.problems]


def only(report: VoiceReport, code: str) -> VoiceProblem:
    found = [p for p in report.problems if p.code == code]
    assert len(found) == 1, report.problems
    return found[0]


# --- initials ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Maria Jones", "MJ"),
        ("maria", "M"),
        ("", ""),
        ("   ", ""),
        ("Maria de la Cruz", "MC"),
        ("maria.jones", "MJ"),
        ("@maria_jones", "MJ"),
        ("élodie durand", "ÉD"),
        ("(Sam) O'Neil", "SO"),
        ("🙂", ""),
    ],
)
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


# --- a clean reply and the report's shape -----------------------------------------------------------
def test_a_good_reply_passes_and_is_signed_on_the_same_line() -> None:
    report = check("  Hi Sam, thanks for letting us know. We're on it.  ")
    assert report.ok and report.problems == ()
    assert report.final_text == "Hi Sam, thanks for letting us know. We're on it. ^MJ"
    assert report.length == len(report.final_text) and report.max_length == 280


def test_blocking_and_warnings_split_the_problems() -> None:
    report = check("Unfortunately we can't. Please calm down.")
    assert [p.code for p in report.blocking] == ["banned_phrase"]
    assert [p.code for p in report.warnings] == ["discouraged_phrase"]
    assert not report.ok


def test_warnings_alone_do_not_block() -> None:
    report = check("Unfortunately the store is closed today.")
    assert report.ok and codes(report) == ["discouraged_phrase"]


# --- empty ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_reply_blocks(text: str) -> None:
    report = check(text)
    assert not report.ok
    assert only(report, "empty").level == "block"
    assert report.final_text == "^MJ"


# --- signature --------------------------------------------------------------------------------------
def test_multi_line_reply_takes_the_signature_on_its_own_line() -> None:
    assert check("Hi Sam,\nthanks for waiting.").final_text == "Hi Sam,\nthanks for waiting.\n^MJ"


def test_signature_already_typed_is_not_doubled() -> None:
    assert check("Thanks Sam ^MJ").final_text == "Thanks Sam ^MJ"
    assert check("Thanks Sam ^MJ \n").final_text == "Thanks Sam ^MJ"


def test_no_signature_configured_leaves_the_text_alone() -> None:
    report = check("Thanks Sam", voice=BrandVoice(), agent_initials=None)
    assert report.ok and report.final_text == "Thanks Sam"


def test_signature_without_initials_is_always_appended() -> None:
    voice = BrandVoice(signature="- Acme Care")
    report = check("Thanks Sam", voice=voice, agent_initials=None)
    assert report.ok and report.final_text == "Thanks Sam - Acme Care"


@pytest.mark.parametrize("agent_initials", [None, "", "  "])
def test_required_signature_without_initials_blocks(agent_initials: str | None) -> None:
    report = check("Thanks Sam", agent_initials=agent_initials)
    problem = only(report, "signature_unfilled")
    assert problem.level == "block" and "initials" in problem.message
    assert report.final_text == "Thanks Sam"


def test_signature_typed_by_hand_is_accepted_without_initials() -> None:
    report = check("Thanks Sam ^KL", agent_initials=None)
    assert report.ok and report.final_text == "Thanks Sam ^KL"


def test_a_signature_may_only_use_the_initials_placeholder() -> None:
    with pytest.raises(ValueError, match="initials"):
        BrandVoice(signature="^{name}")


# --- length -----------------------------------------------------------------------------------------
def test_exactly_280_with_the_signature_passes_and_281_blocks() -> None:
    at_limit = check("a" * 276)  # + " ^MJ" = 280
    assert at_limit.length == 280 and at_limit.ok
    over = check("a" * 277)
    assert over.length == 281
    assert only(over, "too_long").message == "Too long for X: 281 of 280 characters (signature included)"


def test_length_message_without_signature() -> None:
    report = check("a" * 281, voice=BrandVoice())
    assert only(report, "too_long").message == "Too long for X: 281 of 280 characters"


def test_x_counts_every_link_as_23() -> None:
    long_url = "https://example.com/" + "x" * 200
    assert platform_length(long_url, Platform.X) == 23
    assert platform_length("see http://a.co", Platform.X) == 4 + 23
    assert platform_length("status: www.acme.com/status.", Platform.X) == len("status: ") + 23 + 1
    assert platform_length("updates on acme.com/status", Platform.X) == len("updates on ") + 23
    # an email's domain is not a link, and neither is a dotted word with no known top-level domain
    assert platform_length("help@acme.com", Platform.X) == len("help@acme.com")
    assert platform_length("Node.js e.g.", Platform.X) == len("Node.js e.g.")
    # other platforms count the characters
    assert platform_length(long_url, Platform.FACEBOOK) == len(long_url)


def test_link_boundary_on_x() -> None:
    url = "https://status.example.com/incidents/" + "z" * 60
    filler = "a" * (280 - 23 - 1 - 4)  # text, space, link, " ^MJ"
    at_limit = check(f"{filler} {url}")
    assert at_limit.length == 280 and at_limit.ok
    over = check(f"{filler}a {url}")
    assert over.length == 281
    assert only(over, "too_long").message == (
        "Too long for X: 281 of 280 characters (signature included; each link counts as 23)"
    )


def test_x_weighs_wide_characters_and_emoji_sequences() -> None:
    assert platform_length("日本", Platform.X) == 4
    assert platform_length("café", Platform.X) == 4
    assert platform_length("\U0001f468\u200d\U0001f469\u200d\U0001f467", Platform.X) == 2  # family
    assert platform_length("\U0001f1ec\U0001f1e7", Platform.X) == 2  # a flag
    assert platform_length("\u2764\ufe0f", Platform.X) == 2
    assert platform_length("\U0001f44d\U0001f3fd", Platform.X) == 2  # thumbs up, skin tone
    assert platform_length("日本", Platform.FACEBOOK) == 2


def test_platform_without_a_limit_is_not_measured() -> None:
    report = check("a" * 10_000, platform=Platform.MESSENGER, visibility=PRIVATE)
    assert report.ok and report.max_length is None


def test_other_platform_limits_apply() -> None:
    report = check("a" * 2197, platform=Platform.INSTAGRAM)
    assert report.length == 2201
    assert only(report, "too_long").message.startswith("Too long for Instagram: 2201 of 2200")


# --- banned and discouraged phrases -----------------------------------------------------------------
def test_banned_phrase_message() -> None:
    report = check("Please calm down, we're looking.")
    assert only(report, "banned_phrase") == VoiceProblem(
        "block", "banned_phrase", "Contains 'calm down', which the brand voice forbids"
    )


@pytest.mark.parametrize(
    "text", ["CALM DOWN please", "just calm-down", "calm   down", "It’s not our fault.", "what the hell"]
)
def test_banned_phrases_match_any_case_and_spacing(text: str) -> None:
    assert "banned_phrase" in codes(check(text))


@pytest.mark.parametrize("text", ["hello there", "Shell script", "calmdown", "a calm downturn"])
def test_banned_phrases_respect_word_boundaries(text: str) -> None:
    assert "banned_phrase" not in codes(check(text))


def test_every_banned_phrase_is_reported_once() -> None:
    report = check("calm down, calm down, it's not our fault")
    assert [p.message for p in report.blocking] == [
        "Contains 'calm down', which the brand voice forbids",
        "Contains 'not our fault', which the brand voice forbids",
    ]


def test_discouraged_phrase_warns() -> None:
    problem = only(check("Our POLICY STATES that we can't."), "discouraged_phrase")
    assert problem.level == "warn"
    assert problem.message == "Contains 'policy states', which the brand voice discourages"


# --- personal data ----------------------------------------------------------------------------------
def test_personal_data_blocks_a_public_reply() -> None:
    report = check("Hi Sam, we emailed sam.jones@example.com about it.")
    assert only(report, "personal_data") == VoiceProblem(
        "block",
        "personal_data",
        "Public reply contains personal data (an email address); send it as a private reply instead",
    )


def test_personal_data_is_fine_in_a_private_reply() -> None:
    report = check("We emailed sam.jones@example.com and will call 07700 900123.", visibility=PRIVATE)
    assert report.ok


def test_several_kinds_are_named() -> None:
    report = check("Emailed sam@example.com, calling 07700 900123, card 4111 1111 1111 1111.")
    assert (
        "(an email address, a phone number and a payment card number)"
        in only(report, "personal_data").message
    )


def test_postcode_and_order_number_count_as_personal_data() -> None:
    message = only(check("Your order ORD-12345 to SW1A 1AA is late."), "personal_data").message
    assert "a postcode" in message and "an order number" in message


def test_our_own_contacts_may_be_posted() -> None:
    report = check("Call us on 0800 123 4567 or write to HELP@acme.com.")
    assert report.ok, report.problems


def test_ids_in_links_are_not_card_numbers_but_emails_in_links_are_personal() -> None:
    tweet_id = next(f"17900000000000000{n:02d}" for n in range(100) if luhn_ok(f"17900000000000000{n:02d}"))
    assert check(f"As we said here: https://x.com/acme/status/{tweet_id}").ok
    report = check("Track it at https://acme.com/track?email=sam@example.com")
    assert "an email address" in only(report, "personal_data").message


def test_case_reference_is_not_personal_data() -> None:
    assert check("Please quote case #123456 in your DM.").ok


# --- tone -------------------------------------------------------------------------------------------
def test_shouting_warns_above_the_ratio() -> None:
    problem = only(check("WE ARE VERY SORRY ABOUT THIS"), "shouting")
    assert problem.level == "warn" and "100%" in problem.message


def test_short_capitals_and_links_handles_and_signature_are_not_shouting() -> None:
    assert "shouting" not in codes(check("OK THANKS"))  # fewer than 12 letters
    assert "shouting" not in codes(check("See HTTPS://ACME.COM/STATUS/NOW @ACME_HELP_TEAM thanks"))
    assert "shouting" not in codes(check("Thank you, NASA and the ESA", agent_initials="MAWJ"))


def test_shouting_ratio_boundary() -> None:
    voice = BrandVoice(max_uppercase_ratio=0.5)
    assert "shouting" not in codes(check("ABCDEFabcdef", voice=voice))  # exactly 0.5
    assert "shouting" in codes(check("ABCDEFGabcde", voice=voice))


def test_exclamation_marks() -> None:
    assert "exclamations" not in codes(check("Thanks! Have a great day!"))
    assert only(check("Thanks! Great! Bye!"), "exclamations").message == (
        "3 exclamation marks; the brand voice uses at most 2"
    )
    assert "one exclamation mark" in only(check("Thanks!!"), "exclamations").message
    assert "none" in only(check("Thanks!", voice=BrandVoice(max_exclamations=0)), "exclamations").message


# --- asking for sensitive data ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Please post your card number below.",
        "Can you share your email address so we can check?",
        "Reply with your home address and we'll sort it.",
        "What's your phone number?",
    ],
)
def test_asking_publicly_for_personal_details_warns(text: str) -> None:
    report = check(text)
    assert report.ok  # a warning
    assert only(report, "asks_sensitive_publicly").level == "warn"


@pytest.mark.parametrize(
    "text",
    [
        "Please send us a DM with your order number.",
        "Could you share your email address by private message?",
        "Email us at help@acme.com.",
    ],
)
def test_asking_for_a_dm_does_not_warn(text: str) -> None:
    assert "asks_sensitive_publicly" not in codes(check(text))


def test_asking_privately_for_details_is_fine() -> None:
    assert check("Could you send your phone number?", visibility=PRIVATE).problems == ()


def test_asking_for_a_password_warns_even_in_private() -> None:
    report = check("Please send us your password and PIN.", visibility=PRIVATE)
    assert codes(report) == ["asks_for_secret"]


# --- properties -------------------------------------------------------------------------------------
_INITIALS = st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=400),
    platform=st.sampled_from(list(Platform.known())),
    visibility=st.sampled_from(list(ReplyVisibility)),
    agent_initials=_INITIALS,
)
def test_never_raises_and_always_ends_with_the_signature(
    text: str, platform: Platform, visibility: ReplyVisibility, agent_initials: str
) -> None:
    report = check(text, platform=platform, visibility=visibility, agent_initials=agent_initials)
    assert report.final_text.endswith(f"^{agent_initials}")
    assert report.ok == (not report.blocking)
    assert set(report.problems) == set(report.blocking) | set(report.warnings)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), agent_initials=st.one_of(st.none(), st.text(max_size=5)))
def test_never_raises_with_any_initials(text: str, agent_initials: str | None) -> None:
    report = check(text, agent_initials=agent_initials)
    assert report.length >= 0
