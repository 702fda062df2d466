"""Dialogue state: what the bot waits for from a person across messages.

A handler that asks something (send my question to my mentor? erase everything?) or waits for typed text
(the answer to question #12, the question to ask) stores a *prompt*: a `PendingAction` row of one of the
`PROMPT_KINDS`, with the button actions it stands for and an expiry. A person has one live prompt: a new
one replaces the previous one, and expired ones are ignored and deleted.

- Within a yes/no prompt, a typed yes or no (either language, see bot/core/phrases.py) runs the prompt's
  yes or no action as if its button was pressed. Anything else is handled as usual; the prompt stays.
- Within a text prompt, the next message is the text for the prompt's action, as a text box would carry
  it; `cancel` / `annuler` ends the prompt.
- Either way the prompt is used once: running its action (by a button or by typing) ends it, so the
  button and the typed answer cannot both act.
- Outside a prompt, greetings, thanks and small talk get a short friendly answer, and a bare yes, no or
  number (an answer to buttons that are gone) says so and shows the menu: neither becomes a question.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import phrases
from bot.core.args import neutralize
from bot.core.cards import ask_box
from bot.core.context import Context
from bot.core.events import Event
from bot.core.replies import Button, Reply, Text
from bot.i18n import register, t
from storage import activity
from storage.enums import PROMPT_KINDS, PendingKind
from storage.models import PendingAction

PROMPT_FOR = dt.timedelta(minutes=30)
"""How long a prompt waits for its answer, unless its handler says otherwise (forget-me: less)."""

YES_NO = "yes_no"
TEXT = "text"
"""The two modes of a prompt, stored in its `data["mode"]`."""

register(
    {
        "dialogue.cancelled": {
            "en": "All right, cancelled. Type `help` to see what I can do.",
            "fr": "Entendu, c’est annulé. Tapez `aide` pour voir ce que je sais faire.",
        },
        "dialogue.expired": {"en": "Those buttons have expired.", "fr": "Ces boutons ont expiré."},
        "dialogue.menu": {
            "en": "Type `today` for today’s tip, ask me any question, or type `help` to see everything I can do.",
            "fr": "Tapez `aujourd’hui` pour le conseil du jour, posez-moi une question, ou tapez `aide` pour voir "
            "tout ce que je sais faire.",
        },
        "dialogue.greeting": {"en": "Hello {name}!", "fr": "Bonjour {name}\u202f!"},
        "dialogue.thanks": {"en": "You’re welcome, {name}!", "fr": "Avec plaisir, {name}\u202f!"},
        "dialogue.ack": {"en": "Noted, {name}.", "fr": "C’est noté, {name}."},
        "dialogue.button.today": {"en": "Today’s tip", "fr": "Conseil du jour"},
        "dialogue.describe.yes_no": {
            "en": "Waiting for your yes or no ({what}) until {until} UTC",
            "fr": "En attente de votre oui ou non ({what}) jusqu’au {until} UTC",
        },
        "dialogue.describe.text": {
            "en": "Waiting for your text ({what}) until {until} UTC",
            "fr": "En attente de votre texte ({what}) jusqu’au {until} UTC",
        },
        "dialogue.kind.forget": {"en": "erase all your data", "fr": "effacer toutes vos données"},
        "dialogue.kind.forward": {
            "en": "send your question #{value} to your mentor",
            "fr": "transmettre votre question n°\u00a0{value} à votre mentor",
        },
        "dialogue.kind.reply": {
            "en": "your answer to question #{value}",
            "fr": "votre réponse à la question n°\u00a0{value}",
        },
        "dialogue.kind.question": {"en": "your question", "fr": "votre question"},
        "dialogue.kind.commitment": {"en": "your commitment", "fr": "votre engagement"},
    }
)


# --- storing prompts -------------------------------------------------------------------------------------


async def expect_yes_no(
    ctx: Context,
    *,
    kind: PendingKind,
    yes: tuple[str, str],
    no: tuple[str, str],
    lasts: dt.timedelta = PROMPT_FOR,
) -> None:
    """Wait for the person's yes or no: `yes` and `no` are the (action, value) of the buttons offered,
    which a typed yes or no runs. Replaces the person's previous prompt."""
    data = {"mode": YES_NO, "yes": list(yes), "no": list(no)}
    await _store(ctx, kind, data, lasts)


async def expect_text(
    ctx: Context, *, kind: PendingKind, action: str, value: str, lasts: dt.timedelta = PROMPT_FOR
) -> None:
    """Take the person's next message as the text of button action `action` (with `value`), as if typed
    in its text box. Replaces the person's previous prompt."""
    data = {"mode": TEXT, "action": action, "value": value}
    await _store(ctx, kind, data, lasts)


async def _store(ctx: Context, kind: PendingKind, data: dict[str, Any], lasts: dt.timedelta) -> None:
    await activity.set_prompt(
        ctx.session,
        person_id=ctx.person.id or 0,
        kind=kind,
        data=data,
        expires_at=ctx.now() + lasts,
        replaces=PROMPT_KINDS,
    )


async def live_prompt(ctx: Context) -> PendingAction | None:
    """The person's live prompt, if any (expired ones are deleted on the way)."""
    if ctx.person.id is None:
        return None
    rows = await activity.live_prompts(
        ctx.session, person_id=ctx.person.id, kinds=PROMPT_KINDS, now=ctx.now()
    )
    return rows[0] if rows else None


def _actions(prompt: PendingAction) -> list[tuple[str, str]]:
    """The (action, value) pairs a prompt stands for."""
    data = prompt.data
    if data.get("mode") == TEXT:
        return [(str(data.get("action", "")), str(data.get("value", "")))]
    pairs = [data.get("yes"), data.get("no")]
    return [(str(pair[0]), str(pair[1])) for pair in pairs if isinstance(pair, list) and len(pair) == 2]


# --- answering prompts -----------------------------------------------------------------------------------

Run = Callable[[Context, str], Awaitable[list[Reply]]]


async def run_action(ctx: Context, handler: Run, value: str) -> list[Reply]:
    """Run a button action's handler, then end the live prompt this action answers (if any), so a
    prompt is used once whether its button was pressed or its answer typed. The prompt is read before
    and deleted after: a handler that takes its own row (forget-me) still finds it, and a prompt the
    handler sets (a new question) stays."""
    prompt = await live_prompt(ctx)
    answered = prompt is not None and (ctx.event.action or "", value) in _actions(prompt)
    replies = await handler(ctx, value)
    # Only that very row: a prompt the handler set in its place may have been given the same id (SQLite
    # reuses the id of a deleted last row), and is then a new object in the session.
    if (
        answered
        and prompt is not None
        and prompt.id is not None
        and await ctx.session.get(PendingAction, prompt.id) is prompt
    ):
        await activity.drop_pending(ctx.session, ids=[prompt.id])
    return replies


async def answer_prompt(ctx: Context, text: str, *, bare_command: bool = False) -> list[Reply] | None:
    """A typed message read against the live prompt: the replies of the action it runs, or None when it
    does not answer the prompt (or there is none) and is handled as usual. A text prompt takes any
    message (not a slash command), except a command word alone (`help`), which stays a command."""
    if ctx.event.kind not in ("message", "command"):
        return None
    prompt = await live_prompt(ctx)
    if prompt is None:
        return None
    if prompt.data.get("mode") == TEXT:
        if ctx.event.kind != "message" or bare_command:
            return None
        if phrases.is_cancel(text):
            await activity.drop_pending(ctx.session, ids=[prompt.id or 0])
            return [Text(ctx.t("dialogue.cancelled"))]
        action, value = _actions(prompt)[0]
        return await _press(ctx, action, value, ctx.event.text)
    pairs = _actions(prompt)
    if len(pairs) != 2:
        return None
    if phrases.is_yes(text):
        return await _press(ctx, *pairs[0], "")
    if phrases.is_no(text):
        return await _press(ctx, *pairs[1], "")
    return None


async def _press(ctx: Context, action: str, value: str, text: str) -> list[Reply]:
    """Route the event as if the person pressed the button `action` (with `value`), `text` in its box."""
    event = Event(
        ctx.event.actor,
        "action",
        text,
        action=action,
        value=value,
        mentions=ctx.event.mentions,
        groups=ctx.event.groups,
        event_id=ctx.event.event_id,
    )
    return await ctx.router.route(dataclasses.replace(ctx, event=event))


# --- outside a prompt ------------------------------------------------------------------------------------


async def answer_aside(ctx: Context, text: str) -> list[Reply] | None:
    """Small talk and answers to buttons that are gone, which are never questions; None for anything
    else. Only for typed messages, with no live prompt left to answer."""
    if ctx.event.kind not in ("message", "command"):
        return None
    talk = phrases.small_talk(text)
    if talk is not None:
        greeting = ctx.t(f"dialogue.{talk}", name=_first_name(ctx))
        return [Text(f"{greeting} {ctx.t('dialogue.menu')}", menu_buttons(ctx))]
    if phrases.is_yes(text) or phrases.is_no(text) or phrases.is_number(text):
        return [Text(f"{ctx.t('dialogue.expired')} {ctx.t('dialogue.menu')}", menu_buttons(ctx))]
    return None


def menu_buttons(ctx: Context) -> tuple[Button, ...]:
    """The short menu: today's tip, and a question to ask (the lesson card's *Ask a question*)."""
    return (
        Button(ctx.t("dialogue.button.today"), "menu.today"),
        Button(ctx.t("button.ask"), "ask.start", input=ask_box(ctx.lang)),
    )


def _first_name(ctx: Context) -> str:
    """The first word of the person's name, safe to show in Markdown."""
    words = (ctx.person.display_name or "").split()
    return neutralize(words[0], 40) if words else ""


# --- reading prompts back --------------------------------------------------------------------------------


def describe(prompt: PendingAction, lang: str) -> str | None:
    """A prompt in words, for the person's own data (`my-data`); None for a row that is no prompt."""
    if prompt.kind not in PROMPT_KINDS:
        return None
    pairs = _actions(prompt)
    what = t(f"dialogue.kind.{prompt.kind}", lang, value=pairs[0][1] if pairs else "")
    mode = TEXT if prompt.data.get("mode") == TEXT else YES_NO
    until = prompt.expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    return t(f"dialogue.describe.{mode}", lang, what=what, until=until)
