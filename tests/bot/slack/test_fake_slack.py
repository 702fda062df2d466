"""The fake Slack Web API, driven by the real slack_sdk AsyncWebClient and its async retry handlers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from types import SimpleNamespace

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_async_handlers
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.fake_slack import Call, FakeSlack


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        yield server


def make_client(fake: FakeSlack, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(
        token=token or fake.bot_token,
        base_url=f"{fake.url}/api/",
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=1),
            AsyncServerErrorRetryHandler(
                max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
            ),
        ],
    )


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return make_client(fake)


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rate-limit handler sleeps Retry-After + random(); pin the random part to 0."""
    monkeypatch.setattr(builtin_async_handlers, "random", SimpleNamespace(random=lambda: 0.0))


async def test_auth_test_and_call_recording(fake: FakeSlack, client: AsyncWebClient) -> None:
    answer = await client.auth_test()

    assert answer["user_id"] == "UBOT" and answer["bot_id"] == "BBOT"
    assert answer["team_id"] == "T1" and answer["team"] == "Test Team" and answer["url"]
    assert fake.calls == [Call("auth.test", {}, "xoxb-test-token")]
    assert fake.methods_called() == {"auth.test"}


async def test_post_with_blocks_and_metadata_reads_back_through_history(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Tip* of the day"}}]
    metadata = {"event_type": "tandem_tip", "event_payload": {"key": "tip-1", "lesson": "git-rebase"}}

    first = await client.chat_postMessage(
        channel="C1", text="Tip of the day", blocks=blocks, metadata=metadata
    )
    second = await client.chat_postMessage(channel="C1", text="a reply", thread_ts=first["ts"])

    assert (first["channel"], first["ts"], second["ts"]) == ("C1", "1700000000.000100", "1700000000.000200")
    assert fake.messages[0] == {
        "channel": "C1",
        "text": "Tip of the day",
        "blocks": blocks,
        "thread_ts": None,
        "metadata": metadata,
        "ts": "1700000000.000100",
    }
    history = await client.conversations_history(channel="C1", include_all_metadata=True, limit=10)
    [parent] = history["messages"]  # as in Slack, a thread's replies are not in the channel's history
    assert parent["blocks"] == blocks and parent["metadata"] == metadata
    assert parent["bot_id"] == "BBOT" and parent["user"] == "UBOT"
    third = await client.chat_postMessage(channel="C1", text="later")

    plain = await client.conversations_history(channel="C1", oldest=first["ts"])
    assert [m["ts"] for m in plain["messages"]] == [third["ts"]]
    assert "metadata" not in (await client.conversations_history(channel="C1"))["messages"][1]

    thread = await client.conversations_replies(channel="C1", ts=first["ts"], include_all_metadata=True)
    assert [m["ts"] for m in thread["messages"]] == [first["ts"], second["ts"]], "the parent, then replies"
    assert thread["messages"][0]["metadata"] == metadata and thread["messages"][1]["thread_ts"] == first["ts"]
    paged = await client.conversations_replies(channel="C1", ts=first["ts"], limit=1)
    assert paged["has_more"] and paged["response_metadata"]["next_cursor"]


async def test_dm_to_a_user_id_lands_in_the_dm_channel(fake: FakeSlack, client: AsyncWebClient) -> None:
    opened = await client.conversations_open(users="U123")
    posted = await client.chat_postMessage(channel="U123", text="Welcome!")
    updated = await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Welcome back!")

    assert opened["channel"]["id"] == posted["channel"] == fake.dm_channel("U123") == "D123"
    assert updated["text"] == "Welcome back!"
    assert [m["text"] for m in fake.messages_in("U123")] == ["Welcome back!"]


async def test_conversations_members_pages(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.channel_members["C1"] = [f"U{i:03d}" for i in range(7)]
    fake.page_size = 3

    pages: list[list[str]] = []
    cursor = None
    while True:
        answer = await client.conversations_members(channel="C1", cursor=cursor, limit=200)
        pages.append(answer["members"])
        cursor = answer["response_metadata"]["next_cursor"]
        if not cursor:
            break

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [member for page in pages for member in page] == fake.channel_members["C1"]
    assert len(fake.calls_to("conversations.members")) == 3
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_members(channel="C1", cursor="not-a-cursor")
    assert caught.value.response["error"] == "invalid_cursor"


async def test_users_info_with_and_without_locale(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.add_user("U1", name="ada", real_name="Ada Lovelace", tz="Europe/London", tz_offset=0, locale="en-GB")

    user = (await client.users_info(user="U1", include_locale=True))["user"]

    assert user["id"] == "U1" and user["team_id"] == "T1" and user["name"] == "ada"
    assert (user["tz"], user["tz_offset"], user["locale"]) == ("Europe/London", 0, "en-GB")
    assert user["profile"]["real_name"] == "Ada Lovelace" and user["is_bot"] is False
    assert fake.calls_to("users.info")[0].args == {"user": "U1", "include_locale": "1"}
    assert "locale" not in (await client.users_info(user="U1"))["user"]
    with pytest.raises(SlackApiError) as caught:
        await client.users_info(user="U404")
    assert caught.value.response["error"] == "user_not_found"


async def test_rate_limit_is_retried_after_retry_after(
    fake: FakeSlack, client: AsyncWebClient, no_jitter: None
) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=0, times=1)

    started = time.monotonic()
    answer = await client.chat_postMessage(channel="C1", text="hello")

    assert answer["ok"] is True and answer["ts"]
    assert len(fake.calls_to("chat.postMessage")) == 2 and len(fake.messages) == 1
    # Retry-After: 0 was read; without the header the handler would have slept a full second.
    assert time.monotonic() - started < 0.5


async def test_rate_limit_beyond_the_retries_surfaces_429(
    fake: FakeSlack, client: AsyncWebClient, no_jitter: None
) -> None:
    fake.fail("chat.postMessage", retry_after=0, times=2)

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="hello")

    response = caught.value.response
    assert response.status_code == 429 and response["error"] == "ratelimited"
    assert response.headers["Retry-After"] == "0"
    assert len(fake.calls_to("chat.postMessage")) == 2 and fake.messages == []


async def test_server_error_is_retried(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail("views.publish", status=500)

    answer = await client.views_publish(user_id="U1", view={"type": "home", "blocks": []})

    assert answer["view"]["id"] and answer["view"]["type"] == "home"
    assert len(fake.calls_to("views.publish")) == 2
    assert fake.home_view("U1") == {"type": "home", "blocks": []}


async def test_account_inactive_raises(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail("chat.postMessage", error="account_inactive")

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="hello")
    assert caught.value.response.status_code == 200
    assert caught.value.response["error"] == "account_inactive"
    assert (await client.chat_postMessage(channel="C1", text="hello"))["ok"] is True


async def test_permanent_errors_per_channel(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.permanent_errors["U9"] = "cannot_dm_bot"

    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel="U9", text="hi")
        assert caught.value.response["error"] == "cannot_dm_bot"
    assert fake.messages == []


async def test_invalid_token_and_revoked_token(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as caught:
        await make_client(fake, token="xoxb-wrong").auth_test()
    assert caught.value.response["error"] == "invalid_auth"
    assert fake.calls[-1].token == "xoxb-wrong"

    fake.revoked = True
    with pytest.raises(SlackApiError) as caught:
        await make_client(fake).auth_test()
    assert caught.value.response["error"] == "token_revoked"


async def test_unknown_method(fake: FakeSlack, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.api_call("reminders.add", params={"text": "x"})
    assert caught.value.response["error"] == "unknown_method"
    assert fake.methods_called() == {"reminders.add"}


async def test_form_encoded_post_and_ephemeral(fake: FakeSlack) -> None:
    form = {"channel": "C1", "user": "U1", "text": "only you", "blocks": '[{"type": "divider"}]'}
    headers = {"Authorization": f"Bearer {fake.bot_token}"}
    url = f"{fake.url}/api/chat.postEphemeral"
    async with aiohttp.ClientSession() as session, session.post(url, data=form, headers=headers) as res:
        assert res.status == 200
        body = await res.json()

    assert body["ok"] is True and body["message_ts"]
    assert fake.ephemerals == [
        {
            "channel": "C1",
            "user": "U1",
            "text": "only you",
            "blocks": [{"type": "divider"}],
            "ts": body["message_ts"],
        }
    ]
    assert fake.calls_to("chat.postEphemeral")[0].args["blocks"] == [{"type": "divider"}]


async def test_response_url_records_replies(fake: FakeSlack) -> None:
    reply = {"text": "Done", "response_type": "ephemeral", "replace_original": False, "blocks": []}
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.response_url("cmd-1"), json=reply) as res,
    ):
        assert res.status == 200
        assert await res.json() == {"ok": True}

    assert fake.responses == {"cmd-1": [reply]}
    assert fake.calls == []


async def test_latency_delays_answers(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.latency = 0.1

    started = time.monotonic()
    await client.auth_test()

    assert time.monotonic() - started >= 0.1
