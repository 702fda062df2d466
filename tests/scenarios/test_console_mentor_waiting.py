"""A mentor named before she has a mentee, played in the console through the real `tandem` command: the
admin makes mia a mentor with `mentors @mia`; mia prepares while she waits (the mentor's help, the mentor's
guide, `mentees`), and each command that needs a mentee tells her so and sends nothing; a learner is still
refused. Once the admin (writing in French) pairs her with anne, her tips reach anne alone, and the French
messages name anne the French way ("le mentor d’anne").
"""

from __future__ import annotations

import re

from tests.support.cli import tandem

SETUP = "cohort create pilot track first-steps\nenroll pilot @bob @anne\nmentors @mia\npair @leo @bob\n"
PLAN = "workshop plan Basics with linkedin-profile linkedin-connections at 2026-03-10 12:30 minutes 45"


def say(db: str, user: str, at: str, *lines: str) -> str:
    """`user` opens `tandem chat` at `at` and types `lines`; what they saw, on one line."""
    stdin = "".join(f"{line}\n" for line in lines)
    result = tandem(db, "chat", "--user", user, stdin=stdin, TANDEM_NOW=at, TANDEM_SEMANTIC="off")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return re.sub(r"[ \n]+", " ", result.stdout)


def test_a_mentor_waiting_for_a_mentee_prepares_then_reaches_her_own_mentee_only(db_url: str) -> None:
    admin = say(db_url, "root", "2026-03-02T09:00:00Z", *SETUP.splitlines())
    assert "Now mentors: mia." in admin and "leo is now bob’s mentor." in admin

    mia = say(db_url, "mia", "2026-03-02T09:05:00Z", "help", "mentees", "tracks", "push pilot Hello", PLAN)
    assert "For mentors" in mia and "push <@person | cohort> <text>" in mia
    assert "You don’t have any mentees yet." in mia
    assert "The mentor's guide (mentor-guide), 10 lessons" in mia
    assert "You don’t have a mentee yet, so there is nobody to send your tip to" in mia
    assert "nothing was sent" in mia
    assert "You have no mentee to invite yet." in mia
    assert "is for mentors" not in mia and "Mentors and admins plan workshops" not in mia

    anne = say(db_url, "anne", "2026-03-02T09:06:00Z", "mentees", "push pilot Hello")
    assert "mentees is for mentors." in anne and "push is for mentors." in anne
    assert "A tip from mia" not in anne  # mia's push before she had a mentee sent nothing

    admin = say(db_url, "root", "2026-03-02T09:10:00Z", "langue fr", "associer @mia @anne")
    assert "mia est maintenant le mentor d’anne." in admin

    mia = say(db_url, "mia", "2026-03-02T09:15:00Z", "push pilot Hello", "push @bob Hello")
    assert "Good news: you are now anne’s mentor." in mia
    assert "Sent to your mentee in pilot." in mia
    assert "bob is not one of your mentees, so you can’t send them a tip." in mia

    bob = say(db_url, "bob", "2026-03-02T09:20:00Z", "progress")
    assert "A tip from mia" not in bob
    anne = say(db_url, "anne", "2026-03-02T09:20:00Z", "progress")
    assert anne.count("A tip from mia: │ Hello") == 1
