"""The short everyday phrases Tandem recognises in both languages: yes and no (answers to a prompt),
cancel (ends a prompt that waits for text), and small talk (greetings, thanks, acknowledgements).

Messages are compared after `normalize`: lower case, without accents, curly apostrophes made straight,
trailing punctuation and decorative emoji dropped; 👍 and 👎 count as words ("thumbsup", "thumbsdown").
Only short messages are read this way: a message whose every part is one of these phrases. "hello, how do
I block someone?" has a part that is not, so it stays a question.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

YES = frozenset(
    {
        "yes", "y", "yeah", "yep", "yup", "ya", "sure", "ok", "okay", "k", "of course", "absolutely",
        "yes please", "yes thanks", "yes thank you", "ok thanks", "ok thank you", "please", "go", "go ahead",
        "oui", "ouais", "d'accord", "daccord", "dac", "ok merci", "oui merci", "oui svp",
        "oui s'il vous plait", "oui s'il te plait", "bien sur", "volontiers", "avec plaisir", "allez-y",
        "allez y", "vas-y", "vas y", "thumbsup",
    }
)  # fmt: skip
"""Answers that say yes to a prompt."""

NO = frozenset(
    {
        "no", "n", "nope", "nah", "no thanks", "no thank you", "not now", "not really", "no way", "cancel",
        "non", "non merci", "pas maintenant", "pas la peine", "pas besoin", "surtout pas", "annuler",
        "thumbsdown",
    }
)  # fmt: skip
"""Answers that say no to a prompt."""

CANCEL = frozenset({"cancel", "never mind", "nevermind", "annuler", "annule", "laisse tomber"})
"""Ends a prompt that waits for text (the typed answer to a question, a question to ask)."""

GREETINGS = frozenset(
    {
        "hello", "hi", "hey", "hiya", "howdy", "yo", "good morning", "good afternoon", "good evening",
        "good day", "morning", "hello there", "hi there", "bonjour", "salut", "bonsoir", "coucou",
        "bonne journee", "bonne soiree", "bonne nuit", "good night", "bye", "goodbye", "see you",
        "au revoir", "a bientot", "a plus", "how are you", "how are you doing", "how's it going",
        "ca va", "comment ca va", "comment allez-vous", "comment allez vous", "vous allez bien",
    }
)  # fmt: skip
"""Hellos, goodbyes and how-are-yous."""

THANKS = frozenset(
    {
        "thanks", "thank you", "thx", "ty", "thanks a lot", "thank you very much", "many thanks",
        "thanks so much", "thank you so much", "cheers", "merci", "merci beaucoup", "merci bien",
        "mille mercis", "merci mille fois", "super merci", "grand merci", "un grand merci",
    }
)  # fmt: skip
"""Thanks, in both languages."""

ACKS = frozenset(
    {
        "ok", "okay", "k", "thumbsup", "cool", "great", "nice", "perfect", "good", "awesome", "got it",
        "noted", "understood", "all good", "fine", "super", "parfait", "top", "genial", "tres bien",
        "bien", "d'accord", "daccord", "entendu", "compris", "note", "c'est note", "ca marche", "nickel",
    }
)  # fmt: skip
"""Acknowledgements: "ok", 👍, "got it"."""

NAMES = frozenset({"tandem", "bot", "there", "everyone", "all", "tous", "a tous", "a vous", "toi", "vous"})
"""What may follow a greeting or thanks ("hello Tandem", "merci à vous") without making it a question."""

MAX_WORDS = 8
"""Longer messages are never small talk or a yes/no: they are read as questions or commands."""

_THUMBS = {"\N{THUMBS UP SIGN}": " thumbsup ", "\N{THUMBS DOWN SIGN}": " thumbsdown "}
_PARTS = re.compile(r"[,.;:!?¡¿…]+|\s+-\s+|\s+(?:and|et)\s+")
_NUMBER = re.compile(r"\d{1,3}[.)]?")


class SmallTalk(StrEnum):
    """What a small-talk message is, which decides the friendly answer."""

    GREETING = "greeting"
    THANKS = "thanks"
    ACK = "ack"


def normalize(text: str) -> str:
    """The comparable form of a short message: lower case, no accents, straight apostrophes, emoji
    other than 👍 and 👎 dropped, punctuation kept only where it separates parts."""
    for emoji, word in _THUMBS.items():
        text = text.replace(emoji, word)
    text = unicodedata.normalize("NFKD", text.casefold().replace("\u2019", "'").replace("`", "'"))
    kept = []
    for char in text:
        if unicodedata.combining(char):
            continue
        if char.isalnum() or char in " '-" or _PARTS.fullmatch(char):
            kept.append(char)
        else:
            kept.append(" ")
    return " ".join("".join(kept).split())


def _parts(text: str) -> list[str]:
    """The non-empty parts of a normalized message, split at punctuation and "and"/"et"."""
    return [part.strip(" -'") for part in _PARTS.split(text) if part.strip(" -'")]


def _whole(text: str) -> str:
    """A normalized message as one phrase, without its punctuation."""
    return " ".join(_parts(text))


def _short(text: str) -> bool:
    return 0 < len(text.split()) <= MAX_WORDS


def _without_thumbs(phrase: str) -> str:
    """'ok thumbsup' reads as 'ok'; a lone thumb stays."""
    words = [w for w in phrase.split() if w not in ("thumbsup", "thumbsdown")]
    return " ".join(words) if words else phrase


def is_yes(text: str) -> bool:
    """Whether a message says yes ("Yes!", "oui 👍", "D’accord.")."""
    phrase = _whole(normalize(text))
    return _short(phrase) and (phrase in YES or _without_thumbs(phrase) in YES) and not is_no(text)


def is_no(text: str) -> bool:
    """Whether a message says no ("No thanks", "non merci", "👎")."""
    phrase = _whole(normalize(text))
    return _short(phrase) and (phrase in NO or _without_thumbs(phrase) in NO)


def is_cancel(text: str) -> bool:
    """Whether a message ends a prompt that waits for text ("cancel", "annuler")."""
    return _whole(normalize(text)) in CANCEL


def is_number(text: str) -> bool:
    """A bare number ("0", "2", "3."), which only makes sense as a button's number."""
    return bool(_NUMBER.fullmatch(text.strip()))


def _kind_of(part: str) -> SmallTalk | None:
    words = part.split()
    for cut in range(len(words), 0, -1):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        if tail and tail not in NAMES:
            continue
        if head in THANKS:
            return SmallTalk.THANKS
        if head in GREETINGS:
            return SmallTalk.GREETING
        if head in ACKS or _without_thumbs(head) in ACKS:
            return SmallTalk.ACK
    return None


def small_talk(text: str) -> SmallTalk | None:
    """What kind of small talk a short message is, or None when any part of it is something else.
    Thanks win over a greeting ("hi, thanks!"), and a greeting over an acknowledgement."""
    normalized = normalize(text)
    parts = _parts(normalized)
    if not parts or not _short(" ".join(parts)):
        return None
    kinds = [_kind_of(part) for part in parts]
    if any(kind is None for kind in kinds):
        return None
    for kind in (SmallTalk.THANKS, SmallTalk.GREETING, SmallTalk.ACK):
        if kind in kinds:
            return kind
    return None
