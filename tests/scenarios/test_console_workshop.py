"""A whole express workshop played in the console, through the real `tandem` command, the way its people
use it: an admin, a mentor and five learners (one reads French), from the invitations to the follow-up a
week later.

The console has no shared room, so each participant gets the steps in their own messages and reads them
when they next open `tandem chat`. Every step is a new process over the same database: the workshop
resumes across restarts, its quiz window closes on the workshop's own clock (a `tandem drip --at` fires
the timers due by then), and people who act at the same moment (answering the invitation, pressing
"I'm here", answering the quiz, picking a commitment) do so in processes running side by side.

It asserts what each person saw: who got the reminders and the steps (not the learner who declined),
what the mentor alone saw (the run-sheet, the panel, who is stuck, the summary), and for a mistaken
command its reason (with the usage line for a mistyped one), never a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import icalendar

from lessons import load_library
from lessons.typography import french
from tests.support.cli import ROOT

LEARNERS = ("bob", "carol", "dan", "erin", "fay")
SETUP = (
    "cohort create pilot track first-steps start 2027-01-04\n"
    f"enroll pilot {' '.join(f'@{name}' for name in LEARNERS)}\n"
    + "".join(f"pair @mia @{name}\n" for name in LEARNERS)
)
"""The programme starts after the holidays; the workshop is its kick-off, so no daily tip comes between
the workshop's messages."""
LESSONS = "linkedin-profile phishing-scams"
PLAN = f"workshop plan Safe and visible with {LESSONS} at 2026-11-26 12:30 minutes 45"
STARTS = dt.datetime(2026, 11, 26, 11, 30, tzinfo=dt.UTC)  # 12:30 in Paris
USAGE = "Usage: workshop plan <title> with <lesson ids | track>"
APOLOGY = "Sorry, something went wrong"
INVITATION = "mia invites you to an express workshop: Safe and visible"
REMINDERS = ("Tomorrow: the express workshop Safe and visible", "In 15 minutes: the express workshop")
HEADLINE = "Open your profile, click the pencil icon next to your name and rewrite your Headline"
RIGHT = "What you do and for whom, in one clear line"
TOTALS = (
    r"Results \(4 answers\): Your job title and company name, nothing more: ▇+ 1 "
    rf"✓ {RIGHT}: ▇+ 3 An inspiring quote from a business leader: ▏ 0"
)
"""The totals everyone sees: bob's wrong answer, and three right ones (fay's, late, among them)."""
PHISHING = "In your inbox, pick a message from an unknown sender and, without clicking, hover over its link"


def at(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def minutes(count: float) -> str:
    """The moment `count` minutes after the workshop's planned start."""
    return at(STARTS + dt.timedelta(minutes=count))


def flat(result: subprocess.CompletedProcess[str]) -> str:
    """The output on one line (the console wraps long lines), after checking the run ended well."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and APOLOGY not in result.stdout, result.stderr
    return re.sub(r"[ \n]+", " ", result.stdout)  # narrow no-break spaces stay


@dataclass
class Console:
    """One database, a directory for each person (where the console saves the files it is sent), a
    moment for each step (TANDEM_NOW), and everything each person was shown."""

    db: str
    homes: Path
    seen: dict[str, list[str]] = field(default_factory=dict)

    def home(self, user: str) -> Path:
        path = self.homes / user
        path.mkdir(exist_ok=True)
        return path

    def run(self, *args: str, at: str, user: str = "operator", stdin: str = "") -> str:
        """`tandem <args>`, the real command in a process of its own, run in `user`'s directory, where
        their console saves the files it is sent (`tests.support.cli.tandem` runs in the repository).
        Nobody asks a question here, so the semantic model stays unloaded (seconds per process)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "SLACK_"))}
        path = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
        env.update(
            PYTHONPATH=path,
            TANDEM_DATABASE_URL=self.db,
            TANDEM_ADMINS="root" if args[0] == "run" else "",
            TANDEM_NOW=at,
            TANDEM_SEMANTIC="off",
        )
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.home(user),
            env=env,
        )
        return flat(result)

    def say(self, user: str, at: str, *lines: str) -> str:
        """`user` opens `tandem chat` at `at` and types `lines`; returns what they saw."""
        out = self.run("chat", "--user", user, at=at, user=user, stdin="".join(f"{line}\n" for line in lines))
        self.seen.setdefault(user, []).append(out)
        return out

    def together(self, at: str, sessions: dict[str, tuple[str, ...]]) -> dict[str, str]:
        """Several people in their own `tandem chat` at the same moment, in processes side by side."""
        with ThreadPoolExecutor(max_workers=min(len(sessions), max(2, os.cpu_count() or 2))) as pool:
            running = {user: pool.submit(self.say, user, at, *lines) for user, lines in sessions.items()}
            return {user: future.result() for user, future in running.items()}

    def drip(self, at: str) -> str:
        return self.run("drip", "--at", at, at=at)

    def everything(self, user: str) -> str:
        return " ".join(self.seen.get(user, []))

    def calendar(self, user: str) -> str:
        """The calendar file `user`'s console saved, checked: one event, at the workshop's start in UTC."""
        path = self.home(user) / "workshop-1.ics"
        raw = path.read_bytes()
        assert raw.startswith(b"BEGIN:VCALENDAR") and b"DTSTART:20261126T113000Z" in raw
        [event] = icalendar.Calendar.from_ical(raw).walk("VEVENT")
        assert event.decoded("DTSTART") == STARTS and event.decoded("DTSTART").tzinfo is not None
        assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(minutes=45)
        assert str(event["UID"]) == "tandem-workshop-1"
        return str(path)


def sent_to(report: str) -> set[str]:
    """Who a drip report says it sent workshop messages to."""
    return set(re.findall(r"sent: workshop to (\w+)", report))


def test_an_express_workshop_in_the_console(db_url: str, tmp_path: Path) -> None:
    console = Console(db_url, tmp_path)
    invited = {"bob", "carol", "dan", "fay"}  # erin says not this time

    # Monday: the admin starts the programme; fay reads French; mia plans the workshop, after three tries.
    opened = console.run("run", "--user", "root", at="2026-11-23T07:30:00Z", user="root", stdin=SETUP)
    assert "Now in pilot (5): bob, carol, dan, erin, fay" in opened and "mia is now fay’s mentor" in opened
    fay = console.say("fay", "2026-11-23T07:40:00Z", "lang fr", "atelier liste")
    assert "je vous parlerai désormais en français" in fay and "Aucun atelier à venir" in fay
    # The others open the console too: their mentor's welcome asks for their goals; each picks one.
    done = str(len(load_library().goals) + 1)  # one button per goal, then Done
    for name in ("bob", "carol", "dan", "erin"):
        goals = console.say(name, "2026-11-23T07:45:00Z", "3", done)
        assert "Good news: mia is now your mentor" in goals and "Your goals are set" in goals
    mia = console.say(
        "mia",
        "2026-11-23T08:00:00Z",
        PLAN.replace("linkedin-profile", "linkedin-profil"),
        PLAN.replace("2026-11-26", "2026-11-20"),
        PLAN.replace("minutes 45", "minutes 300"),
        PLAN,
    )
    assert "I don’t know the lesson linkedin-profil. Did you mean linkedin-profile?" in mia
    assert "2026-11-20 12:30 (Europe/Paris) is already past. Choose a moment to come." in mia
    assert "2 lessons can fill 54 minutes at most. Give fewer minutes or more lessons." in mia
    assert mia.count(USAGE) == 3, "each mistake with the usage line"
    assert "Planned: workshop #1. 5 invitations are on their way" in mia
    assert (
        "Safe and visible (workshop #1), Thursday 26 November 2026 at 12:30 (Europe/Paris), 45 minutes, "
        "run by mia." in mia
    )
    assert "Invited: 5. Coming: 0. Not this time: 0. No answer yet: 5." in mia
    assert "0:09 Hands-on (11 min), each on their own phone or laptop: Open your profile" in mia
    assert "0:20 Live quiz (2 min): What makes a LinkedIn headline useful?" in mia
    assert "0:41 Closing (4 min): each participant picks one thing to do this week." in mia
    # the report that the invitations reached everyone follows when all five are recorded (asserted below)

    # Each learner finds the invitation with its buttons and its calendar file, and answers it; dan first
    # tries to start the workshop himself, erin declines, fay reads it all in French.
    answered = console.together(
        "2026-11-23T08:10:00Z",
        {
            "bob": ("1", "workshop list"),
            "carol": ("1",),
            "dan": ("workshop start", "1"),
            "erin": ("2",),
            "fay": ("1",),
        },
    )
    for name in ("bob", "carol", "dan", "erin"):
        seen = answered[name]
        assert INVITATION in seen and "Thursday 26 November 2026 at 12:30 (Europe/Paris), 45 minutes." in seen
        assert (
            "On the programme: A LinkedIn profile that works, Spot phishing, fake profiles and CEO fraud."
            in seen
        )
        assert "[1] I’m coming [2] Not this time" in seen
        assert f"Add it to your calendar (Outlook, Google Calendar…). → {console.calendar(name)}" in seen
    for name in ("bob", "carol", "dan"):
        assert (
            "See you on Thursday 26 November 2026 at 12:30 (Europe/Paris)! I’ll remind you" in answered[name]
        )
    bob, dan, erin = answered["bob"], answered["dan"], answered["erin"]
    assert (
        "#1 Safe and visible, Thursday 26 November 2026 at 12:30 (Europe/Paris), with mia: you’re coming."
        in bob
    )
    assert "Only the workshop’s mentor, mia, or an admin can run workshop #1." in dan
    assert (
        "Noted, thank you for saying so. If you change your mind, press “I’m coming”. [1] I’m coming" in erin
    )
    fay = answered["fay"]
    assert french("mia vous invite à un atelier express : Safe and visible") in fay
    assert french("jeudi 26 novembre 2026 à 12:30 (Europe/Paris), 45 minutes.") in fay
    assert french("Au programme : Un profil LinkedIn qui donne envie, Déjouer l’hameçonnage") in fay
    assert "[1] Je viens [2] Pas cette fois" in fay
    assert f"Ajoutez-le à votre agenda (Outlook, Google Agenda…). → {console.calendar('fay')}" in fay
    assert french("À jeudi 26 novembre 2026 à 12:30 (Europe/Paris) !") in fay and "invites you" not in fay

    # The reminders, the day before and 15 minutes before: to those coming, not to erin.
    assert sent_to(console.drip(at(STARTS - dt.timedelta(days=1)))) == invited
    assert sent_to(console.drip(minutes(-15))) == invited

    # Thursday 12:30: mia sees the answers and starts; everyone present says so.
    mia = console.say("mia", minutes(0), "workshop show", "workshop start")
    assert "Invited: 5. Coming: 4. Not this time: 1. No answer yet: 0." in mia
    assert "Workshop #1, step 1 of 10 (0:00)." in mia
    assert "Next: A LinkedIn profile that works: question to the room" in mia
    assert "[1] Next ▶ [2] ◀ Back [3] Skip next [4] +5 min [5] End" in mia
    here = console.together(minutes(1), {name: ("3",) for name in ("bob", "carol", "dan")})
    for seen in here.values():
        assert all(reminder in seen for reminder in REMINDERS)
        assert "Welcome to the express workshop Safe and visible with mia!" in seen and "[3] I’m here" in seen
        assert "Welcome! Your checklist and the quiz will come here." in seen

    # mia moves on, by typing and with her panel's Next button: the question, the talking points, the
    # hands-on; bob is stuck, and she hears it, discreetly.
    mia = console.say("mia", minutes(3), "workshop next", "1", "1")
    assert "Time is up for step 1 (Welcome) of workshop #1." in mia
    assert "Workshop #1, step 2 of 10 (0:02)." in mia and "Workshop #1, step 3 of 10 (0:04)." in mia
    assert "Workshop #1, step 4 of 10 (0:09). 0:09 Hands-on (11 min)" in mia
    bob = console.say("bob", minutes(10), "2")
    assert "💬 When someone looks you up before a meeting, what do you think they find" in bob
    assert (
        f"Your checklist for A LinkedIn profile that works: {HEADLINE}" in bob and "[1] Done [2] Stuck" in bob
    )
    assert "No worries: mia knows and will come to help." in bob
    mia = console.say("mia", minutes(15), "workshop next")
    assert "Time is up for step 4 (A LinkedIn profile that works: hands-on)" in mia
    assert "bob is stuck on the hands-on of A LinkedIn profile that works. A quiet word may help." in mia
    assert "Workshop #1, step 5 of 10 (0:20). 0:20 Live quiz (2 min)" in mia
    quiz_opened = STARTS + dt.timedelta(minutes=15)

    # The live quiz, each in their own process at the same moment: bob wrong (and a second press that
    # counts nothing), carol and dan done with the hands-on and right; fay arrives late, and gets what she
    # missed in French and the quiz still open, in the workshop's language as everyone: one order of the
    # choices, so that a choice's number and the totals mean the same for all.
    answers = console.together(
        at(quiz_opened + dt.timedelta(seconds=20)),
        {"bob": ("1", "2"), "carol": ("1", "4"), "dan": ("1", "4"), "fay": ("3", "2")},
    )
    assert "Live quiz (60 seconds): What makes a LinkedIn headline useful?" in answers["bob"]
    assert "Got it: “Your job title and company name, nothing more”. The results come when" in answers["bob"]
    assert "You had already answered this one; your first answer counts." in answers["bob"]
    for name in ("carol", "dan"):
        assert "[1] Done [2] Stuck" in answers[name] and f"[4] {RIGHT}" in answers[name]
        assert "Well done!" in answers[name] and f"Got it: “{RIGHT}”." in answers[name]
    fay = answers["fay"]
    assert "[3] Je suis là" in fay and french("Bienvenue ! Voici ce que vous avez manqué jusqu’ici :") in fay
    assert (
        french("0:20 Quiz en direct (2 min) : Qu’est-ce qui rend un titre LinkedIn vraiment utile ?") in fay
    )
    late = fay.split("Bienvenue !")[-1]
    assert "Live quiz (60 seconds): What makes a LinkedIn headline useful?" in late
    assert f"[2] {RIGHT}" in late and french(f"C’est noté : « {RIGHT} ».") in late

    # The window closes on the workshop's clock: the drip a minute later fires the timer, and the results
    # go to each participant (not to erin) and to mia. The window runs from mia's press, a moment after
    # her process started at `quiz_opened`: the drip comes a few seconds after the minute, to be sure.
    closed = console.drip(at(quiz_opened + dt.timedelta(seconds=70)))
    assert sent_to(closed) == invited | {"mia"}

    # The second lesson, up to its hands-on; when time is up, mia skips its quiz and goes to the closing.
    mia = console.say("mia", minutes(20), "workshop next", "1", "1")
    assert re.search(TOTALS, mia), "the totals, for mia too"
    assert "Time is up for step 5 (A LinkedIn profile that works: live quiz)" in mia
    assert "Workshop #1, step 8 of 10 (0:29). 0:29 Hands-on (10 min)" in mia
    mia = console.say("mia", minutes(31), "workshop skip")
    assert "Time is up for step 8 (Spot phishing, fake profiles and CEO fraud: hands-on)" in mia
    assert "Workshop #1, step 10 of 10 (0:41). 0:41 Closing (4 min)" in mia
    assert "Next: the end: recaps for everyone." in mia and "step 9 of 10" not in mia

    # The results, the second lesson's steps, and the closing's choices: each picks one by its number.
    picked = console.together(minutes(33), {"bob": ("3",), "carol": ("4",), "fay": ("4",)})
    for name in ("bob", "carol"):
        seen = picked[name]
        assert re.search(TOTALS, seen), seen
        assert f"✓ {RIGHT}:" in seen and f"The answer: {RIGHT}. People scan headlines" in seen
        assert "💬 Has a message ever made you hesitate before clicking?" in seen
        assert "To close: pick one thing you will do this week. I’ll ask you in a week how it went." in seen
        assert "[3] Open your profile, click the pencil icon" in seen and "[5] Write my own" in seen
    assert f"Your commitment: “{HEADLINE} in one sentence: what you do, and for whom”." in picked["bob"]
    assert f"Your commitment: “{PHISHING}" in picked["carol"]
    fay = picked["fay"]
    assert re.search(TOTALS, fay) and f"The answer: {RIGHT}." in fay
    assert french("Pour finir : choisissez une chose que vous ferez cette semaine.") in fay
    assert (
        french("Votre engagement : « Dans votre boîte mail, choisissez un message d’un expéditeur inconnu")
        in fay
    )

    # The end: mia's summary; the recaps; dan, who had not picked, picks from his.
    mia = console.say("mia", minutes(40), "workshop end")
    assert "Workshop #1 is over. Attendance: 4 of 5 invited (1 late)." in mia
    assert "Quiz: A LinkedIn profile that works 3/4 right" in mia
    assert "Stuck: bob (A LinkedIn profile that works: hands-on)" in mia
    promised = mia.split("Commitments: ")[1]  # in the order they were made, here at the same moment
    assert f"bob: “{HEADLINE}" in promised and f"carol: “{PHISHING}" in promised
    assert "fay: “Dans votre boîte mail" in promised and "dan:" not in promised
    # erin, who declined, looks too: nothing reached her after the invitation.
    later = console.together(minutes(42), {"dan": ("7",), "erin": ("workshop list",)})
    dan = later["dan"]
    assert "Thank you for taking part in Safe and visible!" in dan
    assert "Your quiz answers: A LinkedIn profile that works right." in dan
    assert "Pick one thing to do this week: [6] Open your profile" in dan and "[8] Write my own" in dan
    assert f"Your commitment: “{PHISHING}" in dan
    assert "No workshop to come." in later["erin"]
    for text in (*REMINDERS, "Welcome to the express workshop", "Live quiz", "Results", "Thank you for"):
        assert text not in console.everything("erin"), text

    # A week later: the follow-ups; bob needs help, and his mentor hears it.
    week = console.drip(at(STARTS + dt.timedelta(days=7, minutes=45)))
    assert set(re.findall(r"sent: commitment to (\w+)", week)) == invited
    bob = console.say("bob", at(STARTS + dt.timedelta(days=7, minutes=50)), "3")
    assert "Thank you for taking part in Safe and visible!" in bob
    assert "Your quiz answers: A LinkedIn profile that works to go over." in bob
    assert f"Your commitment: “{HEADLINE}" in bob
    assert f"A week ago you chose: “{HEADLINE}" in bob and "[1] Done [2] Not yet [3] I need help" in bob
    assert "asking for help is a good move. I’ve told your mentor, mia, who will get in touch." in bob
    mia = console.say("mia", at(STARTS + dt.timedelta(days=7, hours=1)), "workshop list")
    assert "bob would like a hand with what they chose to do a week ago" in mia and HEADLINE in mia
    assert "No workshop to come." in mia
    assert console.everything("mia").count("Your message reached everyone (5 people).") == 1

    # Nobody but mia saw who was stuck, or the run-sheet.
    for name in LEARNERS:
        assert "is stuck on" not in console.everything(name) and "Invited: 5." not in console.everything(name)
