"""A whole programme week played in the console, through the real `tandem` command, the way its people use
it: an admin, two mentors and four learners (two writing in French), over five delivery days.

It asserts what each person saw, and what the mentors and the admin can and cannot see: a declined
question never reaches anyone as text, a mentor sees only their own mentees, the admin sees no names.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field

from tests.support.cli import tandem

SETUP = (
    "cohort create veille track information-watch\n"
    "enroll veille @bob @claire @dan @eve\n"
    "pair @mia @bob\npair @mia @claire\npair @leo @dan\npair @leo @eve\n"
)
DECLINED = "une recette de crêpes au chocolat pour dimanche ?"
FORWARDED = "what should I say in a toast at my niece wedding?"
FRENCH_QUESTION = "comment retrouver une vieille photo de moi publiée sur Facebook en 2012 ?"


def flat(result: subprocess.CompletedProcess[str]) -> str:
    """The output on one line (the console wraps long lines), after checking the run ended well."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return re.sub(r"[ \n]+", " ", result.stdout)  # narrow no-break spaces stay


def named(name: str, text: str) -> bool:
    return re.search(rf"\b{name}\b", text) is not None


@dataclass
class Week:
    """One database, a moment for each step (TANDEM_NOW), and everything each person was shown."""

    db: str
    seen: dict[str, list[str]] = field(default_factory=dict)

    def run(self, *args: str, at: str, stdin: str = "") -> str:
        return flat(tandem(self.db, *args, stdin=stdin, TANDEM_NOW=at, TANDEM_ADMINS=""))

    def say(self, user: str, at: str, *lines: str) -> str:
        """`user` opens `tandem chat` at `at` and types `lines`; returns what they saw."""
        out = self.run("chat", "--user", user, at=at, stdin="".join(f"{line}\n" for line in lines))
        self.seen.setdefault(user, []).append(out)
        return out

    def drip(self, at: str) -> str:
        return self.run("drip", "--at", at, at=at)

    def everything(self, user: str) -> str:
        return " ".join(self.seen.get(user, []))


def test_a_programme_week_in_the_console(db_url: str) -> None:
    week = Week(db_url)

    # Monday, before the first tip: the first admin starts the programme on an empty database.
    opened = week.run("run", "--user", "root", at="2026-11-23T07:30:00Z", stdin=SETUP)
    assert "You are root, the first admin" in opened
    assert "Now in veille (4): bob, claire, dan, eve" in opened
    assert "The first tip goes out 2026-11-23 09:00 (Europe/Paris)" in opened
    assert "leo is now eve’s mentor" in opened
    assert "4 lessons queued" in week.drip("2026-11-23T08:05:00Z")

    # bob: small talk, then a question no lesson answers, which he sends to his mentor with a typed yes.
    bob = week.say("bob", "2026-11-23T08:30:00Z", "hello", FORWARDED, "yes")
    assert "Three things to try" in bob and "admins see questions without your name" in bob
    assert "== X lists, your news desk without the noise ==" in bob
    assert "Hello bob!" in bob
    assert "These lessons come closest: [1] Open:" in bob
    assert "Shall I send your question to your mentor, mia?" in bob
    assert "I’m passing it on to mia" in bob

    # claire writes in French: Tandem switches, she keeps an off-topic question to herself.
    claire = week.say("claire", "2026-11-23T08:35:00Z", "bonjour", DECLINED, "non merci", "merci !", "0")
    assert "je vous parlerai désormais en français" in claire and "tapez langue en" in claire
    assert "Voulez-vous que je transmette votre question à votre mentor, mia\u202f?" in claire
    assert "votre mentor ne la verra pas" in claire
    assert "Avec plaisir, claire\u202f!" in claire  # thanks is small talk, in French typography
    assert "Ces boutons ont expiré" in claire  # a bare number with no live buttons is never a question

    # dan answers the quiz twice: the second press shows the first result and counts nothing.
    dan = week.say("dan", "2026-11-23T08:40:00Z", "today", "2", "1", "today", "2", "2", "progress")
    assert "Not quite: the answer is Nothing, a private list is visible only to you" in dan
    assert "You already answered this quiz: it was not the right one" in dan
    assert "Only the first answer counts" in dan
    assert "Quiz answers: 0 right out of 1" in dan
    assert "Next tip: Tuesday 24 November 2026 at 09:00 (Europe/Paris)" in dan

    # eve writes to her mentor in French.
    eve = week.say("eve", "2026-11-23T08:45:00Z", f"mentor {FRENCH_QUESTION}")
    assert "Je la transmets à leo" in eve

    # mia sees bob's question (not claire's declined one), replies with the button, pushes to the cohort.
    mia = week.say(
        "mia",
        "2026-11-23T09:00:00Z",
        "mentees",
        "1",
        "Keep it short: one story, one wish, then raise your glass.",
        "push veille Tip: mute words you never want to see on X.",
    )
    assert f"bob has a question (#1): │ {FORWARDED}" in mia
    assert "Your mentees (2): bob" in mia and "claire" in mia
    assert not named("dan", mia) and not named("eve", mia)
    assert "Type your answer to question #1 now (or cancel)." in mia
    assert "On its way to bob" in mia
    assert "Sent to your 2 mentees in veille" in mia
    # the report that the push reached them follows when both deliveries are recorded (asserted below)

    # leo cannot answer bob's question; he answers eve's.
    leo = week.say("leo", "2026-11-23T09:05:00Z", "reply 1 not mine", "mentees")
    assert "There is no open question #1 from your mentees." in leo
    assert f"eve has a question (#3): │ {FRENCH_QUESTION}" in leo
    assert "Your mentees (2): dan" in leo and not named("bob", leo)
    leo = week.say("leo", "2026-11-23T10:00:00Z", "reply 3 Ouvrez Paramètres, puis Votre activité.")
    assert "On its way to eve" in leo

    # Tuesday to Thursday: one tip a day; the track's four lessons are out by Thursday.
    tuesday = week.drip("2026-11-24T08:05:00Z")
    assert "6 lessons queued" in tuesday, (
        "the learners' four, and the mentor's guide's first tip to mia and leo"
    )
    assert "sent: lesson mentor-start-from-goals to mia" in tuesday
    bob = week.say("bob", "2026-11-24T08:30:00Z")
    assert f"mia answered your question: │ {FORWARDED} │ Keep it short" in bob
    assert "A tip from mia: │ Tip: mute words you never want to see on X." in bob
    assert "== Let the news come to you ==" in bob
    eve = week.say("eve", "2026-11-24T08:31:00Z", "merci beaucoup")
    assert "leo a répondu à votre question\u202f:" in eve
    assert "Ouvrez Paramètres, puis Votre activité." in eve
    assert "== Faites venir l’information à vous ==" in eve
    assert "A tip from" not in eve  # mia's cohort push reached her own mentees only
    week.drip("2026-11-25T08:05:00Z")
    assert "4 tracks completed" in week.drip("2026-11-26T08:05:00Z")

    # Friday: one congratulation each, with counts that add up, and a completed status everywhere.
    week.drip("2026-11-27T08:05:00Z")
    dan = week.say("dan", "2026-11-27T09:00:00Z", "progress")
    assert dan.count("you have finished the track") == 1
    assert "You received 4 of its 4 lessons." in dan
    assert "Its quizzes: 0 right out of the 1 you answered." in dan
    assert "Lessons received: 4 of 4" in dan and "Status: completed" in dan
    claire = week.say("claire", "2026-11-27T09:01:00Z", "progrès")
    assert "vous avez terminé le parcours La veille en temps réel" in claire
    assert "Leçons reçues\u202f: 4 sur 4" in claire

    # The admin sees status and counts, and the declined question only as a number and a topic.
    root = week.say("root", "2026-11-27T10:00:00Z", "questions", "report veille")
    assert "4 enrolled, 0 active, 0 paused, 4 completed, 0 stopped" in root
    assert "Questions the learners kept to themselves, never shown: 1" in root
    for name in ("bob", "claire", "dan", "eve"):
        assert not named(name, root.split("Report for veille")[0])  # `questions` names nobody

    # Nobody but claire ever saw her declined question as text.
    for person in ("root", "mia", "leo", "bob", "dan", "eve"):
        assert "crêpes" not in week.everything(person), person
    assert "crêpes" not in week.say("mia", "2026-11-27T10:05:00Z", "mentees")
    assert week.everything("mia").count("Your tip reached everyone (2 people).") == 1
