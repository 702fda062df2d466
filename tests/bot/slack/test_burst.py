"""A burst of signed DMs, 20 in flight, more than the database pool has connections: every event is
answered, and nobody gets an apology. Work waits its turn for a connection instead of failing."""

from __future__ import annotations

import asyncio

from tests.bot.slack.conftest import SlackTester

SENDERS = 100
EVENTS = 400
IN_FLIGHT = 20


async def test_a_burst_is_answered_without_apologies(slack: SlackTester, db_url: str) -> None:
    senders = [f"U{i:05d}" for i in range(SENDERS)]
    for user in senders:
        slack.fake.add_user(user, name=user.lower(), locale="en-GB")
    questions = [
        "how do I spot a phishing email?",
        "help",
        "how do I grow my network on LinkedIn?",
        "progress",
    ]
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def send(index: int) -> int:
        async with gate:
            response = await slack.dm(
                senders[index % SENDERS], questions[index % len(questions)], event_id=f"EvB{index}"
            )
            return response.status

    statuses = await asyncio.gather(*(send(i) for i in range(EVENTS)))
    assert set(statuses) == {200}
    await slack.until(lambda: len(slack.fake.calls_to("chat.postMessage")) >= EVENTS, timeout=120)
    texts = [m["text"] for m in slack.fake.messages]
    assert not [t for t in texts if "went wrong" in t or "could not save" in t], "no apologies"
    answered = {m["channel"] for m in slack.fake.messages}
    assert answered == {f"D{user[1:]}" for user in senders}, "every sender got their answers"
