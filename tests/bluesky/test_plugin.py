"""The bluesky plugin as socialdesk runs it: off without its settings, conformant with them, routed by
platform, its SLA like X's."""

from __future__ import annotations

from socialdesk.config import Config, RouteMatch, RoutingRule
from socialdesk.domain.enums import Platform, Priority
from socialdesk.sources import bluesky
from socialdesk.standin.platforms.bluesky_api import BlueskyStandIn
from socialdesk.testing import Desk, DeskFactory, check_source


def test_without_handle_or_password_the_plugin_is_off(socialdesk_desk: DeskFactory) -> None:
    desk = socialdesk_desk(plugins=[bluesky.plugin], env={"BLUESKY_HANDLE": "acme.bsky.social"})
    [record] = [r for r in desk.runtime.plugins.records if r.name == "bluesky"]
    assert record.status == "off" and record.problems == ["BLUESKY_APP_PASSWORD is not set"]
    assert desk.runtime.plugins.source("bluesky") is None


def test_the_source_conforms(desk: Desk, pds: BlueskyStandIn) -> None:
    report = check_source(desk, desk.source("bluesky"))

    assert [(s.name, s.delivered_as, len(s.cases)) for s in report.samples] == [
        ("a mention", "poll page", 1),
        ("a reply to the brand's post", "poll page", 1),
        ("a quote of the brand's post", "poll page", 1),
        ("likes, reposts and follows are not cases", "poll page", 0),
    ]
    [posted] = pds.posted
    assert report.reply is not None and report.reply.external_id == posted["uri"]
    assert posted["record"]["reply"]["parent"]["uri"].endswith("/app.bsky.feed.post/3lcmention01")


def test_bluesky_cases_route_by_platform_and_keep_xs_sla(
    socialdesk_desk: DeskFactory, env: dict[str, str], pds: BlueskyStandIn
) -> None:
    plain = socialdesk_desk(plugins=[bluesky.plugin], env=env)
    config: Config = plain.runtime.config
    assert config.sla.first_response_minutes(Platform("bluesky"), Priority.P3) == 15
    assert config.sla.first_response_minutes(Platform("bluesky"), Priority.P1) == 10
    rule = RoutingRule(name="bluesky-desk", match=RouteMatch(platforms=[Platform("bluesky")]), team="billing")
    routed = config.model_copy(update={"routing": config.routing.model_copy(update={"rules": [rule]})})
    plain.close()
    desk = socialdesk_desk(plugins=[bluesky.plugin], env=env, config=routed)
    pds.add_post("dana.bsky.social", "@acme.bsky.social where is my parcel?")

    assert desk.poll("bluesky") == "ok"
    desk.settle()

    [case] = desk.cases()
    assert case.team == "billing"
