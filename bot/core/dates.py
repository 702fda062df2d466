"""Days, moments, day lists and quiet hours in a person's language: how every command says "when"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.i18n import register, t
from scheduler import timing
from storage.defaults import QUIET_END, QUIET_START, time_text

register(
    {
        "date.moment": {"en": "{day} at {time} ({zone})", "fr": "{day} à {time} ({zone})"},
        "days.every_day": {"en": "every day", "fr": "tous les jours"},
        "days.range": {"en": "{first} to {last}", "fr": "du {first} au {last}"},
        "days.and": {"en": "and", "fr": "et"},
    }
)

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
"""Day names as sentences say them, indexed like `date.weekday()`."""
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
}  # fmt: skip


def format_day(day: dt.date, lang: str) -> str:
    """'Tuesday 5 January 2027' / 'mardi 5 janvier 2027' (French says '1er' for the first)."""
    names = WEEKDAYS.get(lang, WEEKDAYS["en"])
    months = MONTHS.get(lang, MONTHS["en"])
    number = "1er" if lang == "fr" and day.day == 1 else str(day.day)
    return f"{names[day.weekday()]} {number} {months[day.month - 1]} {day.year}"


def format_moment(when: dt.datetime, zone: ZoneInfo, lang: str) -> str:
    """An aware moment in the person's zone and language, naming the zone so nobody has to guess."""
    local = when.astimezone(zone)
    return t(
        "date.moment", lang, day=format_day(local.date(), lang), time=time_text(local.time()), zone=zone.key
    )


def format_until(when: dt.datetime, zone: ZoneInfo, lang: str) -> str:
    """The end of a pause: just the day when it ends at local midnight, else day and time."""
    local = when.astimezone(zone)
    if local.time() == dt.time(0, 0):
        return format_day(local.date(), lang)
    return format_moment(when, zone, lang)


def format_stamp(when: dt.datetime, zone: ZoneInfo) -> str:
    """`2026-11-23 11:00 (Europe/Paris)`: a moment in a list (questions, reports), short and in any
    language, in the reader's zone and naming it."""
    return f"{when.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def describe_days(spec: str, lang: str) -> str:
    """'mon,tue,wed,thu,fri' -> 'Monday to Friday'; 'mon,wed,fri' -> 'Monday, Wednesday and Friday'."""
    days = sorted(timing.parse_days(spec))
    names = WEEKDAYS.get(lang, WEEKDAYS["en"])
    if len(days) == 7:
        return t("days.every_day", lang)
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return t("days.range", lang, first=names[days[0]], last=names[days[-1]])
    words = [names[d] for d in days]
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {t('days.and', lang)} {words[-1]}"


def quiet_hours() -> dict[str, str]:
    """The values of a message that names quiet hours: `{quiet_start}` (20:00) and `{quiet_end}` (08:00)."""
    return {"quiet_start": time_text(QUIET_START), "quiet_end": time_text(QUIET_END)}


RELATIVE_DAYS = {
    "today": 0, "aujourd'hui": 0, "aujourdhui": 0,
    "tomorrow": 1, "demain": 1,
    "après-demain": 2, "apres-demain": 2, "aprèsdemain": 2,
}  # fmt: skip
"""Words for a day counted from today, in English and French."""
WEEKDAY_WORDS = {name.lower(): index for names in WEEKDAYS.values() for index, name in enumerate(names)}
"""Full day names in English and French, to their `date.weekday()`."""
DAY_WORDS = (*RELATIVE_DAYS, *WEEKDAY_WORDS)
"""Every word `day_after` understands, to suggest the nearest one to a mistyped word."""


def day_word(word: str) -> str:
    """A typed day word in the form `day_after` looks up: lower case, typographic apostrophe made plain."""
    return word.strip().lower().replace("’", "'")


def day_after(word: str, today: dt.date) -> dt.date | None:
    """The day `word` names, counted from `today`: 'tomorrow'/'demain' is today + 1, a weekday ('monday',
    'lundi') the next such day from today on (today itself included); None when it names no day."""
    word = day_word(word)
    if word in RELATIVE_DAYS:
        return today + dt.timedelta(days=RELATIVE_DAYS[word])
    if word in WEEKDAY_WORDS:
        return today + dt.timedelta(days=(WEEKDAY_WORDS[word] - today.weekday()) % 7)
    return None
