"""The dashboard's pages over real HTTP, signed in through the real link flow: every page for an admin
and a mentor, in English and French; each chart's drawn points match the table beside it; a mentor never
sees another mentor's mentee, on a page or in a CSV; a CSV export is the page's table, safe for a
spreadsheet; content gaps are for admins only, and their actions need the form's CSRF token."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

from sqlalchemy import update
from sqlmodel import col, select

from bot.console.channel import console_key
from storage.models import Person, Question
from tests.bot.core.test_dashboard_views import GAP_TEXTS, LEARNERS, NAMES, programme
from tests.bot.web.conftest import Client, Site
from tests.support.harness import Harness

PAGES = ("/dashboard", "/dashboard/cohorts", "/dashboard/cohorts/{id}", "/dashboard/lessons")
HEADINGS = {
    "en": ("Overview", "Cohorts", "Cohort spring", "Lessons"),
    "fr": ("Vue d’ensemble", "Cohortes", "Cohorte spring", "Leçons"),
}


class Page(HTMLParser):
    """What the tests read of a page: its tables (by data-table or data-chart), each row as a list of
    (attributes, text) cells, and each chart's drawn points (data-series, data-label, data-value)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[tuple[dict[str, str], str]]]] = {}
        self.points: dict[str, list[tuple[str, str, str]]] = {}
        self.lang = ""
        self.inputs: list[dict[str, str]] = []
        self._table: str | None = None
        self._figure: str | None = None
        self._cell: tuple[dict[str, str], list[str]] | None = None
        self._in_body = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "html":
            self.lang = found.get("lang", "")
        elif tag == "input":
            self.inputs.append(found)
        elif tag == "table":
            self._table = found.get("data-table") or f"chart:{found.get('data-chart')}"
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._table and self._in_body:
            self.tables[self._table].append([])
        elif (
            tag in ("td", "th") and self._table and self._in_body and "actions" not in found.get("class", "")
        ):
            self._cell = (found, [])
        elif tag == "figure" and "data-chart" in found:
            self._figure = found["data-chart"]
            self.points[self._figure] = []
        elif self._figure and "data-value" in found:
            self.points[self._figure].append(
                (found.get("data-series", ""), found["data-label"], found["data-value"])
            )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table:
            attrs, text = self._cell
            self.tables[self._table][-1].append((attrs, " ".join("".join(text).split())))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None
        elif tag == "figure":
            self._figure = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[1].append(data)

    def exported(self, table: str) -> list[list[str]]:
        """The table's rows as its CSV should hold them: each cell's data-value, else its text."""
        return [[attrs.get("data-value", text) for attrs, text in row] for row in self.tables[table]]


async def signed_in(site: Site, name: str) -> Client:
    browser = site.client()
    reply = await browser.sign_in(name)
    assert reply.status == 303, reply.text
    return browser


async def cohort_id(harness: Harness) -> int:
    from tests.bot.core.test_dashboard_views import spring_id

    return await spring_id(harness)


async def speak(harness: Harness, name: str, lang: str) -> None:
    async with harness.services.db.transaction() as session:
        await session.exec(update(Person).where(col(Person.key) == console_key(name)).values(lang=lang))


def parse_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


async def get_csv(browser: Client, path: str) -> tuple[int, bytes, dict[str, str]]:
    headers = {"Cookie": f"tandem_session={browser.cookie}"} if browser.cookie else {}
    async with browser.site.http.get(f"{browser.site.url}{path}", headers=headers) as response:
        return response.status, await response.read(), dict(response.headers)


async def test_every_page_renders_for_an_admin_and_a_mentor_in_english_and_french(site: Site) -> None:
    await programme(site.harness)
    spring = await cohort_id(site.harness)
    for lang in ("en", "fr"):
        for name in ("root", "mona"):
            await speak(site.harness, name, lang)
            browser = await signed_in(site, name)
            for path, heading in zip(PAGES, HEADINGS[lang], strict=True):
                shown = await browser.get(path.format(id=spring))
                assert shown.status == 200, (path, shown.text[:500])
                page = Page(shown.text)
                assert page.lang == lang and f"<h1>{heading}</h1>" in shown.text, (path, lang)
                assert shown.headers["Content-Security-Policy"].startswith("default-src 'none'")
                assert "<script" not in shown.text
            gaps = await browser.get("/dashboard/gaps")
            assert gaps.status == (200 if name == "root" else 403)


async def test_each_charts_drawn_points_match_the_table_beside_it(site: Site) -> None:
    await programme(site.harness)
    spring = await cohort_id(site.harness)
    browser = await signed_in(site, "root")
    overview = Page((await browser.get("/dashboard")).text)
    cohort = Page((await browser.get(f"/dashboard/cohorts/{spring}")).text)
    charts = {**overview.points, **cohort.points}
    tables = {**overview.tables, **cohort.tables}

    assert set(charts) == {"deliveries", "funnel", "retention", "progress"}
    for name, drawn in charts.items():
        table = {}
        for row in tables[f"chart:{name}"]:
            label = row[0][1]
            for attrs, _ in row[1:]:
                if attrs.get("data-series") and "data-value" in attrs:
                    table[(attrs["data-series"], label)] = attrs["data-value"]
        assert {(series, label): value for series, label, value in drawn} == table, name
        assert drawn, name
    assert len(tables["chart:deliveries"]) == 56 and len(charts["deliveries"]) == 3 * 56
    delivered = {label: value for _, label, value in charts["funnel"]}
    assert delivered["Delivered"] == str(2 * len(LEARNERS))


async def test_a_mentor_never_sees_another_mentors_mentee(site: Site) -> None:
    await programme(site.harness)
    spring = await cohort_id(site.harness)
    browser = await signed_in(site, "mona")
    seen = [(await browser.get(path.format(id=spring))).text for path in PAGES]
    for table in ("people", "mentors", "quiz", "progress", "cohorts", "numbers", "lessons"):
        query = f"?cohort={spring}" if table in ("people", "mentors", "quiz", "progress") else ""
        status, body, _ = await get_csv(browser, f"/dashboard/export/{table}.csv{query}")
        assert status == 200, table
        seen.append(body.decode("utf-8-sig"))
    everything = "\n".join(seen)
    assert NAMES["ann"] in everything and NAMES["ben"] in everything
    for other in ("cat", "dan", "eve", "fay", "gus", "max"):
        assert NAMES[other] not in everything, other
    people = Page(seen[2]).tables["people"]
    assert sorted(row[0][1] for row in people) == sorted([NAMES["ann"], NAMES["ben"]])
    assert "actions" not in seen[2].split('data-table="people"')[1].split("</table>")[0]


async def test_a_csv_export_is_the_pages_table_and_safe_for_a_spreadsheet(site: Site) -> None:
    await programme(site.harness)
    async with site.harness.services.db.transaction() as session:
        await session.exec(
            update(Person).where(col(Person.key) == console_key("gus")).values(display_name="=HYPERLINK(1)")
        )
    spring = await cohort_id(site.harness)
    browser = await signed_in(site, "root")
    await speak(site.harness, "root", "fr")
    page = Page((await browser.get(f"/dashboard/cohorts/{spring}")).text)

    status, body, headers = await get_csv(browser, f"/dashboard/export/people.csv?cohort={spring}")

    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"] == 'attachment; filename="tandem-spring-people.csv"'
    header, *rows = parse_csv(body)
    assert header[:2] == ["Nom", "Statut"]
    expected = [
        [("'" + cell) if cell.startswith("=") else cell for cell in row] for row in page.exported("people")
    ]
    assert rows == expected
    assert [row[0] for row in rows if "HYPERLINK" in row[0]] == ["'=HYPERLINK(1)"]
    for table in ("deliveries", "funnel", "retention", "lessons", "gaps"):
        status, body, _ = await get_csv(browser, f"/dashboard/export/{table}.csv")
        assert status == 200 and parse_csv(body), table
    overview = Page((await browser.get("/dashboard")).text)
    _, body, _ = await get_csv(browser, "/dashboard/export/funnel.csv")
    assert parse_csv(body)[1:] == overview.exported("chart:funnel")


async def test_without_a_session_pages_explain_and_data_urls_answer_401(site: Site) -> None:
    stranger = site.client()
    page = await stranger.get("/dashboard/lessons")
    assert page.status == 401 and "dashboard" in page.text and "<html" in page.text
    status, _, _ = await get_csv(stranger, "/dashboard/export/lessons.csv")
    assert status == 401
    browser = await signed_in(site, "root")
    assert (await get_csv(browser, "/dashboard/export/nothing.csv"))[0] == 404
    assert (await get_csv(browser, "/dashboard/export/people.csv"))[0] == 404  # no cohort named
    assert (await browser.get("/dashboard/cohorts/987654")).status == 404


async def test_content_gaps_are_for_admins_and_their_actions_need_the_csrf_token(site: Site) -> None:
    await programme(site.harness)
    mentor = await signed_in(site, "mona")
    assert (await mentor.get("/dashboard/gaps")).status == 403
    assert (await get_csv(mentor, "/dashboard/export/gaps.csv"))[0] == 403

    admin = await signed_in(site, "root")
    shown = await admin.get("/dashboard/gaps")
    assert shown.status == 200 and GAP_TEXTS[0] in shown.text
    assert not any(name in shown.text for name in NAMES.values())
    page = Page(shown.text)
    csrf = next(i["value"] for i in page.inputs if i.get("name") == "csrf")
    refs = [i["value"] for i in page.inputs if i.get("name") == "refs"]
    first_group = refs[:3]

    forged = await admin.post("/dashboard/gaps/new-topic", data={"refs": first_group})
    assert forged.status == 403
    done = await admin.post(
        "/dashboard/gaps/new-topic", data=[("csrf", csrf), *(("refs", ref) for ref in first_group)]
    )
    assert done.status == 200 and "Marked: a new topic is needed" in done.text
    async with site.harness.services.db.transaction() as session:
        marked = list(
            await session.exec(select(Question.text).where(col(Question.new_topic_at).is_not(None)))
        )
    assert sorted(marked) == sorted(GAP_TEXTS[:3])
