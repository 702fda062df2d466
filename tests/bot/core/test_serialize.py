"""Replies that wait in the database: a file goes whole (base64), up to 256 KB; a larger one fails the
command that queues it, so nothing of it is sent."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core import outbox
from bot.core.replies import File, Notify, Text
from bot.core.serialize import MAX_FILE_BYTES, FileTooLarge, from_dict, to_dict
from lessons import Library
from storage.models import Delivery
from tests.support.harness import Harness

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def test_a_file_comes_back_whole(bundled_library: Library) -> None:
    file = File("workshop-12.ics", ICS + bytes(range(256)), "text/calendar", "Add it to your **calendar**")
    data = to_dict(file)
    assert data is not None and data["type"] == "file" and isinstance(data["content"], str)
    assert from_dict(data, bundled_library) == file
    with_export = File("x.json", b"{}", "application/json", download="mydata")
    assert from_dict(to_dict(with_export) or {}, bundled_library) == with_export


def test_a_file_of_256_kb_may_wait_and_a_larger_one_may_not() -> None:
    assert to_dict(File("big.bin", b"x" * MAX_FILE_BYTES, "application/octet-stream")) is not None
    with pytest.raises(FileTooLarge, match=r"big\.bin.*262145 bytes"):
        to_dict(File("big.bin", b"x" * (MAX_FILE_BYTES + 1), "application/octet-stream"))


def test_an_unreadable_waiting_file_is_skipped(bundled_library: Library) -> None:
    data: dict[str, Any] = {"type": "file", "name": "x.ics", "mime": "text/calendar", "content": "%%%"}
    assert from_dict(data, bundled_library) is None


async def test_a_file_too_large_fails_the_command_that_queues_it(harness: Harness) -> None:
    await harness.say("bob", "help")
    too_large = File("big.ics", b"x" * (MAX_FILE_BYTES + 1), "text/calendar")
    note = Notify("console:bob", (Text("Here it is"), too_large))
    with pytest.raises(FileTooLarge):
        async with harness.services.db.transaction() as session:
            await outbox.post(session, sender=None, replies=[note], lang="en", now=harness.clock())
    assert await harness.count(Delivery) == 0, "nothing of it waits to be sent"
