"""The App Home tab, built from the core's own answers.

The Home tab shows the person's progress and settings (from the core's `progress` and `settings`
commands), widgets to change time, days, language and pause in place, and for admins the cohort list.
Widget changes become core commands, so the same rules and messages apply as when typed.
"""

from __future__ import annotations

from typing import Any

from bot.core.conversation import Conversation
from bot.core.events import Actor, Event
from bot.core.replies import Text
from bot.i18n import register, t
from bot.slack.render import MEASURE, markdown_to_mrkdwn
from lessons import LANGS
from storage import people
from storage.defaults import WEEKDAY_NAMES

SECTION_LIMIT = 2900

register(
    {
        "home.title": {"en": "Your reverse-mentoring programme", "fr": "Votre programme de mentorat inversé"},
        "home.progress": {"en": "Progress", "fr": "Progression"},
        "home.settings": {"en": "Your settings", "fr": "Vos réglages"},
        "home.change": {"en": "Change them here:", "fr": "Modifiez-les ici :"},
        "home.time": {"en": "Tip time", "fr": "Heure du conseil"},
        "home.days": {"en": "Days", "fr": "Jours"},
        "home.lang": {"en": "Language", "fr": "Langue"},
        "home.pause": {"en": "Pause until", "fr": "Pause jusqu’au"},
        "home.resume": {"en": "Resume now", "fr": "Reprendre maintenant"},
        "home.admin": {"en": "Cohorts (admin)", "fr": "Cohortes (administration)"},
        "home.day_names": {"en": "Mon Tue Wed Thu Fri Sat Sun", "fr": "Lun Mar Mer Jeu Ven Sam Dim"},
    }
)


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150], "emoji": True}


def _sections(markdown: str) -> list[dict[str, Any]]:
    chunks = [chunk for chunk in MEASURE.split(markdown_to_mrkdwn(markdown), SECTION_LIMIT) if chunk.strip()]
    chunks = chunks or [" "]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


async def _ask(core: Conversation, who: Actor, command: str) -> str:
    replies = await core.handle(Event(who, "command", command))
    return "\n".join(r.markdown for r in replies if isinstance(r, Text))


async def build(core: Conversation, who: Actor, *, status: str = "") -> dict[str, Any]:
    """The Home view for one person, in their language."""
    progress = await _ask(core, who, "progress")
    settings = await _ask(core, who, "settings")
    async with core.services.db.transaction() as session:
        person = await people.get_person(session, key=who.key)
    lang = person.lang if person else (who.lang or core.services.settings.default_lang)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(t("home.title", lang))}]
    if status:
        blocks += _sections(status)
    blocks += [{"type": "header", "text": _plain(t("home.progress", lang))}, *_sections(progress)]
    blocks += [{"type": "header", "text": _plain(t("home.settings", lang))}, *_sections(settings)]
    blocks += _settings_widgets(lang)
    if person is not None and person.is_admin:
        blocks += [
            {"type": "header", "text": _plain(t("home.admin", lang))},
            *_sections(await _ask(core, who, "cohort list")),
        ]
    return {"type": "home", "blocks": blocks[:100]}


def _settings_widgets(lang: str) -> list[dict[str, Any]]:
    names = t("home.day_names", lang).split()
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": t("home.change", lang)}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "timepicker",
                    "action_id": "tandem_home|time",
                    "placeholder": _plain(t("home.time", lang)),
                },
                {
                    "type": "static_select",
                    "action_id": "tandem_home|lang",
                    "placeholder": _plain(t("home.lang", lang)),
                    "options": [
                        {"text": _plain(t(f"lang.name.{code}", code).capitalize()), "value": code}
                        for code in LANGS
                    ],
                },
                {
                    "type": "datepicker",
                    "action_id": "tandem_home|pause",
                    "placeholder": _plain(t("home.pause", lang)),
                },
                {"type": "button", "action_id": "tandem_home|resume", "text": _plain(t("home.resume", lang))},
            ],
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "checkboxes",
                    "action_id": "tandem_home|days",
                    "options": [
                        {"text": _plain(name), "value": day}
                        for name, day in zip(names, WEEKDAY_NAMES, strict=True)
                    ],
                }
            ],
        },
    ]


def command_for(action: dict[str, Any]) -> str | None:
    """The core command a Home widget stands for, or None when the widget carries nothing usable."""
    name = str(action.get("action_id", "")).removeprefix("tandem_home|")
    if name == "time" and action.get("selected_time"):
        return f"time {action['selected_time']}"
    if name == "lang" and action.get("selected_option"):
        return f"lang {action['selected_option']['value']}"
    if name == "pause" and action.get("selected_date"):
        return f"pause until {action['selected_date']}"
    if name == "resume":
        return "resume"
    if name == "days":
        chosen = [option["value"] for option in action.get("selected_options") or []]
        return f"days {','.join(chosen)}" if chosen else None
    return None
