"""The dashboard's overview shows the express workshops in figures, to admins only."""

from __future__ import annotations

from bot.core import dashboard as views
from storage import people
from tests.bot.core.test_workshop_live import setup
from tests.support.harness import Harness


async def test_an_admin_sees_the_workshops_and_a_mentor_does_not(harness: Harness) -> None:
    async with harness.services.db.transaction() as session:
        root = await people.get_person(session, key="console:root")
    assert root is None  # nobody yet: the overview has no workshop table before the first workshop
    await harness.say("root", "help")
    async with harness.services.db.transaction() as session:
        root = await people.get_person(session, key="console:root")
        assert root is not None and root.id is not None
    assert (await views.overview(harness.services, root.id)).workshops is None

    await setup(harness)  # mia plans a workshop for her five mentees
    overview = await views.overview(harness.services, root.id)
    assert overview.workshops is not None and overview.workshops in overview.tables
    shown = {row.cells[0].text: row.cells[1].text for row in overview.workshops.rows}
    assert shown["Workshops to come"] == "1" and shown["Workshops held"] == "0"
    assert shown["Invited who came"] == "none yet"

    async with harness.services.db.transaction() as session:
        mia = await people.get_person(session, key="console:mia")
        assert mia is not None and mia.id is not None
    assert (await views.overview(harness.services, mia.id)).workshops is None
