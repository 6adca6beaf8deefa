"""The external upload flow: getUploadURLExternal, a POST of the bytes, completeUploadExternal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from socialdesk.standin import SlackStandin

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def slack() -> Iterator[SlackStandin]:
    with SlackStandin(channels={"social-managers": "C0MANAGER1"}) as server:
        yield server


@pytest.fixture
def client(slack: SlackStandin) -> WebClient:
    return WebClient(base_url=slack.url, token=slack.token)


def form(slack: SlackStandin, method: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = httpx.post(f"{slack.url}{method}", data={"token": slack.token, **fields}).json()
    return body


def test_files_upload_v2_end_to_end(slack: SlackStandin, client: WebClient) -> None:
    response = client.files_upload_v2(
        channel="C0MANAGER1",
        content=PNG,
        filename="sla-chart.png",
        title="SLA this week",
        initial_comment="Weekly digest",
    )
    assert response["file"]["title"] == "SLA this week" and response["file"]["size"] == len(PNG)
    assert response["file"]["mimetype"] == "image/png"
    assert [c.method for c in slack.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    [stored] = slack.files()
    assert stored.content == PNG and stored.completed and stored.channels == ["C0MANAGER1"]
    [message] = slack.messages("social-managers")
    assert message.text == "Weekly digest" and message.files == [stored.id]


def test_the_upload_url_is_absolute_and_on_the_stand_in(slack: SlackStandin, client: WebClient) -> None:
    issued = client.files_getUploadURLExternal(filename="digest.csv", length=12)
    assert issued["file_id"].startswith("F")
    assert issued["upload_url"] == f"{slack.root_url}/upload/{issued['file_id']}"


def test_manual_flow_over_httpx_into_a_thread(slack: SlackStandin, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0MANAGER1", text="Crisis timeline")["ts"]
    issued = form(slack, "files.getUploadURLExternal", filename="timeline.txt", length="5")
    upload = httpx.post(issued["upload_url"], content=b"hello")
    assert upload.status_code == 200 and upload.text == "OK - 5"
    done = form(
        slack,
        "files.completeUploadExternal",
        files=json.dumps([{"id": issued["file_id"], "title": "Timeline"}]),
        channel_id="C0MANAGER1",
        thread_ts=parent,
    )
    assert done["ok"] is True and done["files"][0]["title"] == "Timeline"
    [card] = slack.messages("C0MANAGER1")
    assert card.replies[0].files == [issued["file_id"]]
    [upload_call] = slack.calls_to("upload")
    assert upload_call.body == b"hello" and upload_call.args == {"file_id": issued["file_id"], "size": 5}


def test_multipart_upload_is_understood_too(slack: SlackStandin, client: WebClient) -> None:
    issued = client.files_getUploadURLExternal(filename="a.bin", length=3)
    assert httpx.post(issued["upload_url"], files={"file": ("a.bin", b"abc")}).status_code == 200
    assert slack.files()[0].content == b"abc"


def test_complete_without_the_bytes_is_file_not_found(client: WebClient) -> None:
    issued = client.files_getUploadURLExternal(filename="a.txt", length=3)
    with pytest.raises(SlackApiError) as caught:
        client.files_completeUploadExternal(files=[{"id": issued["file_id"]}])
    assert caught.value.response["error"] == "file_not_found"
    with pytest.raises(SlackApiError) as caught:
        client.files_completeUploadExternal(files=[{"id": "F0NOPE0001"}])
    assert caught.value.response["error"] == "file_not_found"


def test_a_file_completes_once(slack: SlackStandin, client: WebClient) -> None:
    client.files_upload_v2(content=b"x", filename="x.txt")
    file_id = slack.files()[0].id
    with pytest.raises(SlackApiError) as caught:
        client.files_completeUploadExternal(files=[{"id": file_id}])
    assert caught.value.response["error"] == "file_not_found"


def test_upload_to_an_unknown_url_is_404(slack: SlackStandin) -> None:
    response = httpx.post(f"{slack.root_url}/upload/F0NOPE0001", content=b"x")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"filename": "a.txt"}, "invalid_arguments"),
        ({"length": "3"}, "invalid_arguments"),
        ({"filename": "a.txt", "length": "0"}, "invalid_arguments"),
        ({"filename": "a.txt", "length": "three"}, "invalid_arguments"),
        ({"filename": "a.png", "length": "3", "alt_txt": "a" * 1001}, "alt_txt_too_large"),
    ],
)
def test_get_upload_url_refusals(slack: SlackStandin, fields: dict[str, str], error: str) -> None:
    assert form(slack, "files.getUploadURLExternal", **fields)["error"] == error


def test_complete_into_an_unknown_channel(client: WebClient) -> None:
    issued = client.files_getUploadURLExternal(filename="a.txt", length=1)
    httpx.post(issued["upload_url"], content=b"a")
    with pytest.raises(SlackApiError) as caught:
        client.files_completeUploadExternal(files=[{"id": issued["file_id"]}], channel_id="C0NOPE0001")
    assert caught.value.response["error"] == "channel_not_found"
