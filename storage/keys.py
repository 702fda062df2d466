"""Every key format Tandem stores, with the functions that make and read them.

Person keys are platform-neutral strings: `slack:<team>:<user>`, `teams:<tenant>:<aad-id>`,
`console:<name>`. Ledger keys (`dedupe_key`) make each message unique: a lesson once per enrollment, a
mentor's tip once per reader, a digest once per mentor and week, any other message once.
"""

from __future__ import annotations

import uuid


def person_key(platform: str, *parts: str) -> str:
    """`person_key("slack", "T1", "U2")` -> `slack:T1:U2`."""
    return ":".join((platform, *parts))


def workspace_prefix(platform: str, workspace: str) -> str:
    """The start every person key of one workspace shares: `slack:T1:`."""
    return f"{platform}:{workspace}:"


def local_id(key: str) -> str:
    """The id people know: the Slack user id, the Entra object id, the console name."""
    return key.rsplit(":", 1)[-1]


# --- the delivery ledger ------------------------------------------------------------------------------


def lesson_key(enrollment_id: int, lesson_id: str) -> str:
    return f"lesson:{enrollment_id}:{lesson_id}"


def complete_key(enrollment_id: int) -> str:
    return f"complete:{enrollment_id}"


def tip_key(tip_id: int, person_id: int) -> str:
    return f"tip:{tip_id}:{person_id}"


def digest_key(mentor_id: int, year: int, week: int) -> str:
    return f"digest:{mentor_id}:{year}-W{week:02d}"


def message_key() -> str:
    """A message written once by a command (a pairing notice, an answer): unique by construction."""
    return f"msg:{uuid.uuid4().hex}"


def outcome_key(batch_id: int) -> str:
    """The sender's one report on how a batch went."""
    return f"outcome:{batch_id}"


def given_up_key(batch_id: int, first_delivery_id: int) -> str:
    """The sender's later note that some held messages of a batch were given up."""
    return f"gaveup:{batch_id}:{first_delivery_id}"
