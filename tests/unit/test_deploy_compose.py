"""deploy/: the compose file and the proxy config, checked without Docker (no daemon in CI)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from socialdesk.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
REPLICAS = ("socialdesk-1", "socialdesk-2")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert set(compose["volumes"]) == {"pgdata"}
    found: dict[str, Any] = compose["services"]
    return found


def test_postgres_has_a_volume_and_a_healthcheck(services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert any(v.startswith("pgdata:") for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    env = postgres["environment"]
    assert {env["POSTGRES_USER"], env["POSTGRES_DB"]} == {"socialdesk"}


def test_two_replicas_of_one_image_share_the_database(services: dict[str, Any]) -> None:
    urls = set()
    for name in REPLICAS:
        replica = services[name]
        assert (replica["build"]["context"], replica["build"]["dockerfile"]) == ("..", "Dockerfile")
        assert (DEPLOY / replica["build"]["context"] / replica["build"]["dockerfile"]).is_file()
        assert replica["image"] == "socialdesk:latest"
        assert replica["command"][0] == "serve" and "8080" in replica["command"]
        assert replica["env_file"] == "../.env"
        assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
        urls.add(replica["environment"]["DATABASE_URL"])
    [url] = urls  # one database for both
    assert url.startswith("postgresql+psycopg://") and "@postgres:5432/socialdesk" in url
    user, password = re.match(r"postgresql\+psycopg://([^:]+):([^@]+)@", url).groups()  # type: ignore[union-attr]
    env = services["postgres"]["environment"]
    assert (user, password) == (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"])
    # The second migrates only after the first is up: never two migrations at once.
    assert services["socialdesk-2"]["depends_on"]["socialdesk-1"]["condition"] == "service_healthy"


def test_the_proxy_routes_slack_and_webhooks_round_robin_to_both(services: dict[str, Any]) -> None:
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    [mount] = proxy["volumes"]
    source, target = mount.split(":")[:2]
    conf_path = DEPLOY / source
    assert conf_path.is_file() and target == "/etc/nginx/conf.d/default.conf"
    assert set(proxy["depends_on"]) == set(REPLICAS)
    conf = conf_path.read_text()
    [upstream] = re.findall(r"upstream (\w+) \{([^}]*)\}", conf)
    name, body = upstream
    servers = re.findall(r"server ([\w.-]+):(\d+)", body)
    assert servers == [(r, "8080") for r in REPLICAS]
    assert "least_conn" not in body and "ip_hash" not in body and "hash " not in body  # round-robin
    locations = dict(re.findall(r"location (?:= )?(\S+) \{ proxy_pass http://(\w+); \}", conf))
    assert locations == {"/slack/events": name, "/webhooks/": name, "/healthz": name, "/readyz": name}


def test_the_deploy_readme_names_every_service(services: dict[str, Any]) -> None:
    readme = (DEPLOY / "README.md").read_text()
    assert "docker compose up" in readme
    for service in services:
        assert f"`{service}`" in readme


def test_nothing_secret_is_committed_in_deploy() -> None:
    for path in Path(DEPLOY).iterdir():
        text = path.read_text()
        assert not re.search(r"xox[abp]-", text), path  # Slack tokens belong in .env
