"""Canned replies: load-time template checks, sandboxed rendering, context, ranking, the shipped set."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from jinja2.exceptions import SecurityError, UndefinedError

from socialdesk.config import CannedReply, Config, ConfigError, load_config, parse_config
from socialdesk.domain.canned import (
    PLACEHOLDERS,
    CannedRenderError,
    CannedTemplateError,
    ReplyContext,
    check_template,
    render,
    render_template,
    reply_context,
    suggest,
)
from socialdesk.domain.enums import Category, Platform, ReplyVisibility
from socialdesk.domain.errors import DomainError
from socialdesk.domain.voice import check_reply
from tests.conftest import SAMPLE_CONFIG

CTX = reply_context(
    platform=Platform.X,
    case_number=42,
    agent_name="Maria Jones",
    team="care",
    customer_display_name="Sam Lee",
    customer_handle="samlee",
)


def reply(
    id: str, title: str, *categories: Category, keywords: tuple[str, ...] = (), **kw: Any
) -> CannedReply:
    return CannedReply(
        id=id, title=title, categories=list(categories), keywords=list(keywords), text=f"{title}.", **kw
    )


# --- the load-time check ----------------------------------------------------------------------------
def test_every_placeholder_is_accepted() -> None:
    check_template(" ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS))
    check_template("Hi {{ customer_name | title }}{% if team %} from {{ team }}{% endif %}")


def test_unknown_placeholder_is_named() -> None:
    with pytest.raises(CannedTemplateError, match=r"unknown placeholder \{\{ custmer_name \}\}"):
        check_template("Hi {{ custmer_name }}")


def test_syntax_error_and_unknown_filter() -> None:
    with pytest.raises(CannedTemplateError, match="line 2"):
        check_template("Hi\n{{ customer_name ")
    with pytest.raises(CannedTemplateError, match="No filter named 'shout'"):
        check_template("{{ customer_name | shout }}")


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ customer_name.__class__.__mro__ }}",
        "{{ customer_name['__class__'] }}",
    ],
)
def test_underscore_attributes_are_refused_at_load(source: str) -> None:
    with pytest.raises(CannedTemplateError, match="not allowed"):
        check_template(source)


def test_globals_are_not_available() -> None:
    with pytest.raises(CannedTemplateError, match="range"):
        check_template("{% for i in range(3) %}x{% endfor %}")


def test_canned_reply_validates_text_and_variants_with_its_id() -> None:
    with pytest.raises(ValueError, match=r"canned reply 'refund', variants\.x: unknown placeholder"):
        CannedReply(id="refund", title="Refund", text="Hi", variants={Platform.X: "Hi {{ name }}"})


def test_old_style_canned_reply_still_loads() -> None:
    old = CannedReply.model_validate(
        {
            "id": "thanks",
            "title": "Thanks",
            "categories": ["praise"],
            "text": "Thank you {{ customer_name }}!",
        }
    )
    assert old.variants == {} and old.keywords == []


def test_bad_canned_reply_fails_config_load_naming_id_and_placeholder(tmp_path: Any) -> None:
    data = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["canned_replies"][1]["text"] = "Hi {{ customer_nme }}"
    path = tmp_path / "socialdesk.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "canned_replies.1" in message
    assert repr(data["canned_replies"][1]["id"]) in message and "customer_nme" in message


def test_sandbox_escape_fails_config_parse() -> None:
    data = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["canned_replies"][0]["variants"] = {"x": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
    with pytest.raises(ConfigError, match="not allowed"):
        parse_config(data, SAMPLE_CONFIG)


# --- rendering --------------------------------------------------------------------------------------
def test_sandbox_refuses_attribute_access_when_rendering() -> None:
    with pytest.raises(SecurityError):
        render_template("{{ ''.__class__ }}", CTX)
    with pytest.raises(SecurityError):
        render_template("{{ customer_name.__class__.__base__.__subclasses__() }}", CTX)


def test_render_wraps_sandbox_refusal_in_a_domain_error_naming_the_reply() -> None:
    # model_construct skips the load-time check, as a reply built in code without validation would.
    bad = CannedReply.model_construct(
        id="sneaky", title="Sneaky", categories=[], keywords=[], variants={}, text="{{ ''.__class__ }}"
    )
    with pytest.raises(CannedRenderError, match="'sneaky'") as err:
        render(bad, platform=Platform.X, context=CTX)
    assert isinstance(err.value, DomainError)
    assert isinstance(err.value.__cause__, SecurityError)


def test_strict_undefined_is_an_error() -> None:
    with pytest.raises(UndefinedError, match="nobody"):
        render_template("Hi {{ nobody }}", CTX)
    bad = CannedReply.model_construct(
        id="typo", title="Typo", categories=[], keywords=[], variants={}, text="Hi {{ nobody }}"
    )
    with pytest.raises(CannedRenderError, match=r"'typo'.*nobody"):
        render(bad, platform=Platform.X, context=CTX)


def test_safe_methods_and_filters_work_and_nothing_is_escaped() -> None:
    ctx = reply_context(
        platform=Platform.FACEBOOK, case_number=7, agent_name="Al", customer_display_name="<Bo & Co>"
    )
    assert (
        render_template("{{ customer_name }} {{ agent_name.upper() }} {{ case_ref }}", ctx)
        == "<Bo & Co> AL #7"
    )


def test_render_picks_the_platform_variant_else_the_default() -> None:
    entry = CannedReply(
        id="hi",
        title="Hi",
        text="  Hello {{ customer_name }}, case {{ case_ref }} on {{ platform }}.\n",
        variants={Platform.X: "Hi {{ customer_handle }}"},
    )
    assert render(entry, platform=Platform.X, context=CTX) == "Hi @samlee"
    assert render(entry, platform=Platform.FACEBOOK, context=CTX) == "Hello Sam Lee, case #42 on X."


# --- context ----------------------------------------------------------------------------------------
def test_context_fields() -> None:
    expected = ReplyContext(
        customer_name="Sam Lee",
        customer_handle="@samlee",
        case_ref="#42",
        agent_name="Maria Jones",
        agent_initials="MJ",
        platform="X",
        team="care",
    )
    assert expected == CTX
    assert set(CTX.as_dict()) == set(PLACEHOLDERS)


@pytest.mark.parametrize(
    ("display", "handle", "expected_name", "expected_handle"),
    [
        ("Sam Lee", "@samlee", "Sam Lee", "@samlee"),
        (None, "samlee", "@samlee", "@samlee"),
        ("  ", "@samlee", "@samlee", "@samlee"),
        (None, None, "there", ""),
        ("", "", "there", ""),
    ],
)
def test_customer_name_falls_back_to_handle_then_there(
    display: str | None, handle: str | None, expected_name: str, expected_handle: str
) -> None:
    ctx = reply_context(
        platform=Platform.INSTAGRAM,
        case_number=1,
        agent_name="Kim",
        customer_display_name=display,
        customer_handle=handle,
    )
    assert (ctx.customer_name, ctx.customer_handle) == (expected_name, expected_handle)
    assert ctx.platform == "Instagram" and ctx.agent_initials == "K"


def test_explicit_agent_initials_win() -> None:
    ctx = reply_context(platform=Platform.X, case_number=1, agent_name="Maria Jones", agent_initials="MAJ")
    assert ctx.agent_initials == "MAJ"


# --- suggestions ------------------------------------------------------------------------------------
REFUND = reply("refund", "Refund or billing", Category.COMPLAINT, keywords=("refund", "charged twice"))
DELIVERY = reply("delivery", "Delivery delay", Category.COMPLAINT, keywords=("parcel", "courier"))
ACK = reply("ack", "Acknowledge a complaint", Category.COMPLAINT)
THANKS = reply("thanks", "Thank you", Category.PRAISE, keywords=("love",))
BILLING_Q = reply("billing-q", "Billing question", Category.QUESTION, keywords=("invoice", "refund"))
DM_SENT = reply("dm-sent", "We've sent you a DM")  # no categories: fits any case
ALL = [THANKS, DM_SENT, BILLING_Q, ACK, DELIVERY, REFUND]


def ids(suggestions: list[Any]) -> list[str]:
    return [s.id for s in suggestions]


def test_category_first_then_overlap_then_title() -> None:
    got = suggest(
        ALL, category=Category.COMPLAINT, platform=Platform.X, text="I was charged twice, want a refund"
    )
    # complaint replies: refund (overlap) first, then the rest by title; then another category with
    # overlap (billing-q), then the generic reply; praise is left out.
    assert ids(got) == ["refund", "ack", "delivery", "billing-q", "dm-sent"]
    assert got[0].category_match and got[0].matched_terms == ("refund", "charged twice") and got[0].score == 4
    assert not got[3].category_match and got[3].matched_terms == ("refund",)


def test_without_overlap_only_the_category_and_generic_replies_appear() -> None:
    got = suggest(ALL, category=Category.PRAISE, platform=Platform.X, text="You are all wonderful")
    assert ids(got) == ["thanks", "dm-sent"]


def test_other_categories_need_overlap_and_rank_by_it() -> None:
    got = suggest(ALL, category=Category.SPAM, platform=Platform.X, text="my parcel, the courier, my refund")
    assert ids(got) == ["delivery", "billing-q", "refund", "dm-sent"]
    assert [s.score for s in got] == [4, 2, 2, 0]


def test_title_words_count_and_words_are_lightly_stemmed() -> None:
    got = suggest(
        ALL, category=Category.QUESTION, platform=Platform.X, text="Deliveries are late and I was refunded?"
    )
    # billing-q: its category; refund: keyword "refund" (2); delivery: title word "Delivery" (1)
    assert ids(got)[:3] == ["billing-q", "refund", "delivery"]
    assert got[0].matched_terms == ("refund",) and got[1].matched_terms == ("refund",)
    assert got[2].matched_terms == ("Delivery",) and got[2].score == 1


def test_function_words_in_titles_do_not_count() -> None:
    got = suggest([ACK], category=Category.SPAM, platform=Platform.X, text="a complaint")
    assert got[0].matched_terms == ("complaint",)
    assert suggest([ACK], category=Category.SPAM, platform=Platform.X, text="a an the") == []


def test_limit_and_platform_template() -> None:
    with_variant = reply("v", "Variant", Category.COMPLAINT, variants={Platform.X: "Short for X."})
    got = suggest([*ALL, with_variant], category=Category.COMPLAINT, platform=Platform.X, text="", limit=2)
    assert len(got) == 2
    on_x = suggest([with_variant], category=Category.COMPLAINT, platform=Platform.X, text="")[0]
    on_fb = suggest([with_variant], category=Category.COMPLAINT, platform=Platform.FACEBOOK, text="")[0]
    assert (on_x.template, on_fb.template) == ("Short for X.", "Variant.")
    assert suggest(ALL, category=Category.COMPLAINT, platform=Platform.X, text="", limit=0) == []


# --- the shipped sample -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample() -> Config:
    return load_config(SAMPLE_CONFIG)


def test_sample_ships_the_domain_replies(sample: Config) -> None:
    shipped = {r.id for r in sample.canned_replies}
    assert {"ack-complaint", "outage-ack", "thanks", "question-dm"} <= shipped  # ids already in use
    assert len(shipped) == len(sample.canned_replies) >= 8
    assert any(Platform.X in r.variants for r in sample.canned_replies)


@pytest.mark.parametrize("platform", list(Platform.known()))
def test_sample_replies_render_within_limits_and_pass_the_voice_check(
    sample: Config, platform: Platform
) -> None:
    # Long but real-world values: X display names go to 50 characters.
    ctx = reply_context(
        platform=platform,
        case_number=123456,
        agent_name="Maximiliana Abernathy-Worthington",
        team="care",
        customer_display_name="N" * 50,
        customer_handle="n" * 15,
    )
    visibility = ReplyVisibility.PRIVATE if platform is Platform.MESSENGER else ReplyVisibility.PUBLIC
    for entry in sample.canned_replies:
        text = render(entry, platform=platform, context=ctx)
        assert "{" not in text and "}" not in text
        report = check_reply(
            text,
            platform=platform,
            visibility=visibility,
            voice=sample.brand_voice,
            masking=sample.masking,
            agent_initials=ctx.agent_initials,
        )
        assert report.problems == (), (entry.id, report.problems)
        limit = sample.brand_voice.max_length.get(platform)
        assert limit is None or report.length <= limit


@pytest.mark.parametrize(
    ("category", "text", "expected"),
    [
        (Category.COMPLAINT, "You charged me twice and I want my money back", "refund-billing"),
        (Category.COMPLAINT, "My parcel still hasn't arrived, where is my order?", "delivery-delay"),
        (Category.INCIDENT, "Is the app down? It's not loading", "outage-ack"),
        (Category.PRAISE, "Love the new app, thank you!", "thanks"),
    ],
)
def test_sample_suggestions_put_the_obvious_reply_first(
    sample: Config, category: Category, text: str, expected: str
) -> None:
    assert suggest(sample.canned_replies, category=category, platform=Platform.X, text=text)[0].id == expected
