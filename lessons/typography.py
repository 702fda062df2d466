"""French typography for text Tandem shows: the bot's sentences and the French lessons.

French puts a narrow no-break space (U+202F) before `: ; ! ?` and inside « » quotation marks, so that the
mark never starts a line on its own. `french()` applies those rules to prose and leaves alone what must stay
as typed: code spans (commands to type), URLs and links, and times or ratios (`08:30`, `{a}:{b}`), whose
colon has no space after it.
"""

from __future__ import annotations

import re

NNBSP = "\u202f"
"""The narrow no-break space French puts before `: ; ! ?` and inside « »."""

_PROTECTED = re.compile(
    r"```.*?```"  # a fenced code block
    r"|`[^`\n]*`"  # a code span: a command to type
    r"|<(?:https?|mailto):[^>\s]*(?:\|[^>]*)?>"  # a Slack or Markdown autolink
    r"|\]\([^)\s]*\)"  # a Markdown link's target
    r"|\b(?:https?://|www\.)[^\s<>()]+",  # a bare URL
    re.DOTALL,
)
_SPACES = "[ \u00a0\u202f]"
_ENDING = "[*_)\\]»”’\"'.,…]"
"""What may follow a mark that ends a word, besides a space: Markdown emphasis, a bracket, a quote."""
_MARK_BEFORE = re.compile(rf"(?<=\S){_SPACES}*([:;!?]+)(?=\s|$|{_ENDING})")
"""A French mark after a word, ending it: not the colon of `08:30` or of `{hour}:{minute}`."""
_STRAIGHT_QUOTES = re.compile(r"\"([^\"\n]+)\"|“([^”\n]+)”")
_OPENING = re.compile(rf"«{_SPACES}*")
_CLOSING = re.compile(rf"{_SPACES}*»")


def french(text: str) -> str:
    """`text` with French spacing and quotation marks, its code, links and times untouched. Idempotent."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\ue000{len(kept) - 1}\ue001"

    prose = _PROTECTED.sub(keep, text)
    prose = _STRAIGHT_QUOTES.sub(lambda m: f"«{(m.group(1) or m.group(2)).strip()}»", prose)
    prose = _MARK_BEFORE.sub(lambda m: NNBSP + m.group(1), prose)
    prose = _OPENING.sub("«" + NNBSP, prose)
    prose = _CLOSING.sub(NNBSP + "»", prose)
    return re.sub("\ue000(\\d+)\ue001", lambda m: kept[int(m.group(1))], prose)


def french_problems(text: str) -> list[str]:
    """What breaks the French rules in `text` (an empty list when it follows them), for tests and checks."""
    prose = _PROTECTED.sub(" ", text)
    problems = []
    for match in re.finditer(rf"(.)([:;!?])(?=\s|$|{_ENDING})", prose):
        before = match.group(1)
        if before != NNBSP and not (before == match.group(2) or before in "?!"):
            problems.append(f"no narrow no-break space before {match.group(2)!r}: …{_around(prose, match)}…")
    if re.search(r"[\"“”]", prose):
        problems.append("straight or English quotation marks instead of « »")
    if re.search(rf"«(?!{NNBSP})|(?<!{NNBSP})»", prose):
        problems.append("« » without a narrow no-break space inside")
    return problems


def _around(text: str, match: re.Match[str]) -> str:
    return text[max(0, match.start() - 20) : match.end() + 5]
