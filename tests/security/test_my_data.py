"""`my-data` is readable: a person's own data without the internal fields that mean nothing to them
(row numbers, links between rows, delivery bookkeeping, buttons' internal values), with the people,
cohorts and messages those fields point to shown by name and text. `test_forget_me` checks it stays
complete: every other column of every row tied to the person is exported."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import SQLModel

from bot.core.replies import File
from storage import privacy
from tests.security.test_forget_me import ADMIN, LEARNER, MENTOR, exported_rows, programme, say
from tests.support.harness import Harness

BUTTON_ACTIONS = ("feedback.useful", "quiz.start", "quiz.answer", "question.forward", "ask.start")


async def export_of(harness: Harness, who: Any) -> dict[str, Any]:
    [file] = [r for r in await say(harness, who, "my-data") if isinstance(r, File)]
    return json.loads(file.content)


def test_every_left_out_field_is_a_real_column_with_a_reason() -> None:
    tables = {table.name: table for table in SQLModel.metadata.sorted_tables}
    for table, fields in privacy.LEFT_OUT.items():
        assert table in tables, table
        for column, why in fields.items():
            assert column in tables[table].columns, f"{table}.{column}"
            assert len(why) > 10, f"{table}.{column} needs a reason"


async def test_the_export_leaves_internal_fields_out_and_shows_names_and_texts(harness: Harness) -> None:
    await programme(harness)
    await harness.app.deliver_now()
    data = await export_of(harness, LEARNER)
    text = json.dumps(data, ensure_ascii=False)
    keys = {key for row in exported_rows(data) for key in row}
    internal = {"claimed_by", "claimed_at", "dedupe_key", "conversation", "payload", "grouped_in", "attempts"}
    assert keys & internal == set()
    assert not any(action in text for action in BUTTON_ACTIONS), "buttons show their labels only"
    assert data["about"].startswith("Everything Tandem stores about you")
    [mentorship] = data["mentorships"]
    assert (mentorship["mentor"], mentorship["mentee"]) == (MENTOR.name, LEARNER.name)
    assert "mentor_id" not in mentorship and "id" not in mentorship
    received = [m for row in data["inbox"] for m in [row["message"]] if m.get("text")]
    assert any("zephyrquill" in m["text"] for m in received), "messages are shown as their text"
    answered = next(q for q in data["questions"] if q["answer"])
    assert answered["answered_by"] == MENTOR.name and "id" in answered, "a question keeps its number"
    assert {d["kind"] for d in data["deliveries"]} and all("id" not in d for d in data["deliveries"])


async def test_a_mentor_sees_who_asked_and_whom_tips_were_for(harness: Harness) -> None:
    await programme(harness)
    data = await export_of(harness, MENTOR)
    assert {q["asked_by"] for q in data["mentee_questions"]} == {LEARNER.name}
    assert {tip["for_person"] for tip in data["custom_tips"]} == {LEARNER.name}
    admin = await export_of(harness, ADMIN)
    assert admin["about"] and all("author_id" not in tip for tip in admin["custom_tips"])


async def test_my_data_shows_what_an_import_said_with_the_managers_name(harness: Harness) -> None:
    """The columns a people import fills (email, department, manager, role) are the person's data: the
    manager appears by name, and a manager sees who reports to them, by name only."""
    from tests.security.test_forget_me import import_people

    await say(harness, ADMIN, "help")
    await import_people(
        harness,
        "id,email,name,department,manager,role\n"
        f"{MENTOR.user},mikael@example.com,{MENTOR.name},Leadership,,mentor\n"
        f"{LEARNER.user},ZOE@example.com,{LEARNER.name},Sales,mikael@example.com,learner\n",
    )
    person = (await export_of(harness, LEARNER))["person"]
    assert (person["email"], person["department"], person["role"], person["manager"]) == (
        "zoe@example.com",
        "Sales",
        "learner",
        MENTOR.name,
    )
    assert "manager_id" not in person
    manager = await export_of(harness, MENTOR)
    assert manager["people_you_manage"] == [{"name": LEARNER.name}]
    assert manager["person"]["manager"] is None and manager["person"]["role"] == "mentor"
