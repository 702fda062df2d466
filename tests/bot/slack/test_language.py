"""Language over Slack: a person whose profile says English and who writes in French is answered in French,
told so, and can switch back with the button."""

from __future__ import annotations

import json

from sqlmodel import select

from storage.enums import LangSource
from storage.models import Person
from tests.bot.slack.conftest import SlackTester


async def mia(slack: SlackTester) -> Person:
    async with slack.app.services.db.transaction() as session:
        return (await session.exec(select(Person).where(Person.key.endswith(":UMIA")))).one()


async def test_french_from_an_english_profile_switches_with_a_button_back(slack: SlackTester) -> None:
    await slack.dm("UMIA", "comment activer la validation en deux étapes sur mon compte ?")
    await slack.until(lambda: any("Vous m’écrivez en français" in text for text in slack.dm_texts("UMIA")))
    notice = next(m for m in slack.fake.messages_in("UMIA") if "Vous m’écrivez en français" in m["text"])
    assert "\u202f: je vous parlerai désormais en français" in notice["text"]
    blocks = json.dumps(notice["blocks"], ensure_ascii=False)
    assert "Keep English" in blocks and "lang.set" in blocks
    answer = slack.fake.messages_in("UMIA")[0]
    assert "deux étapes" in json.dumps(answer["blocks"], ensure_ascii=False).lower()
    person = await mia(slack)
    assert (person.lang, person.lang_source) == ("fr", LangSource.GUESSED)

    action = next(e["action_id"] for b in notice["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert (await slack.press("UMIA", action, "en")).status == 200
    await slack.until(lambda: any("speak English" in text for text in slack.dm_texts("UMIA")))
    person = await mia(slack)
    assert (person.lang, person.lang_source) == ("en", LangSource.CHOSEN)
