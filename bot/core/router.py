"""A small router: an ordered list of command specs, plus button actions and the free-text fallback."""

from __future__ import annotations

import difflib
import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.core import dialogue
from bot.core.context import Context
from bot.core.errors import PermissionDenied, UserError
from bot.core.events import Event
from bot.core.replies import Reply

Handler = Callable[[Context, str], Awaitable[list[Reply]]]


class Role(enum.IntEnum):
    """Who may run a command. Admins may do what mentors do, in every cohort."""

    EVERYONE = 0
    MENTOR = 1
    ADMIN = 2


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: its words (the first is canonical), who may run it, its handler and help keys."""

    names: tuple[str, ...]
    handler: Handler
    role: Role = Role.EVERYONE
    usage: str = ""
    help_key: str = ""
    takes_text: bool = False
    takes_groups: bool = False
    """Channels named in its arguments are expanded to their members (which costs platform calls)."""
    denied: str = ""
    """The message key of its refusal for someone without the role, when the generic one
    (error.admin_only, error.mentor_only) would not say what to use instead."""

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """A button action: its id and handler; the value arrives as the handler's argument."""

    action: str
    handler: Handler
    takes_text: bool = False
    """Its button has a text box (`replies.TextInput`): what was typed is the event's `text`, which the
    handler reads. Other actions ignore any text."""


class Router:
    """Finds the handler for an event; role checks happen here, in the core, for every channel."""

    def __init__(
        self, commands: Sequence[CommandSpec], actions: Sequence[ActionSpec], fallback: Handler
    ) -> None:
        self.commands = list(commands)
        self.actions = {spec.action: spec for spec in actions}
        self.fallback = fallback
        self._by_name = {name: spec for spec in self.commands for name in spec.names}

    def takes_text(self, action: str) -> bool:
        """Whether the button action `action` reads typed text."""
        spec = self.actions.get(action)
        return spec is not None and spec.takes_text

    def find(self, word: str) -> CommandSpec | None:
        return self._by_name.get(word.lower())

    def suggest(self, word: str) -> str | None:
        """The command name nearest to a mistyped word, in the language it was typed in: `suivnt` is
        `suivant`, `nxt` is `next`."""
        close = difflib.get_close_matches(word.lower(), list(self._by_name), n=1, cutoff=0.6)
        return close[0] if close else None

    def visible_to(self, role: Role) -> list[CommandSpec]:
        return [spec for spec in self.commands if spec.role <= role and spec.help_key]

    def parse(self, event: Event) -> tuple[CommandSpec | None, str, str, str]:
        """The command an event's text asks for (None: a question or an unknown word), its first word,
        the rest of the text, and the whole text without a leading `/tandem`."""
        text = event.text.strip()
        if text.lower().startswith("/tandem"):
            text = text[len("/tandem") :].strip()
        word, _, rest = text.partition(" ")
        spec = self.find(word) if word else None
        question = event.kind == "message" and len(text.split()) > 1 and text.endswith("?")
        if spec is not None and question and not spec.takes_text:
            spec = None  # "next steps on LinkedIn?" is a question, not the `next` command
        return spec, word, rest.strip(), text

    async def route(self, ctx: Context) -> list[Reply]:
        """Handle one event: a button runs its action (ending the prompt it answers); typed text first
        answers the person's live prompt, if it does (bot/core/dialogue.py), then runs a command; what is
        neither is small talk, a stale answer to buttons, or else a question for the fallback."""
        event = ctx.event
        if event.kind == "action":
            action = self.actions.get(event.action or "")
            if action is None:
                raise UserError("error.stale_button")
            return await dialogue.run_action(ctx, action.handler, event.value or "")
        spec, word, rest, text = self.parse(event)
        bare_command = spec is not None and not rest
        answered = await dialogue.answer_prompt(ctx, text, bare_command=bare_command)
        if answered is not None:
            return answered
        if spec is None:
            aside = await dialogue.answer_aside(ctx, text)
            if aside is not None:
                return aside
            if event.kind == "command" or self._looks_like_command(word, text):
                return await self._unknown(ctx, word)
            return await self.fallback(ctx, text)
        await self.check_role(ctx, spec)
        return await spec.handler(ctx, rest)

    def _looks_like_command(self, word: str, text: str) -> bool:
        """A mistyped command ('enrol pilot @bob'), not a question: close to a command, no '?'."""
        if not word or text.rstrip().endswith("?"):
            return False
        close = difflib.get_close_matches(word.lower(), list(self._by_name), n=1, cutoff=0.8)
        return bool(close) and (len(text.split()) <= 6 or "@" in text)

    @staticmethod
    def allows(spec: CommandSpec, *, is_admin: bool, is_mentor: bool) -> bool:
        """Whether someone with these roles may run the command."""
        if spec.role == Role.ADMIN:
            return is_admin
        if spec.role == Role.MENTOR:
            return is_mentor or is_admin
        return True

    async def check_role(self, ctx: Context, spec: CommandSpec) -> None:
        if self.allows(spec, is_admin=ctx.person.is_admin, is_mentor=ctx.is_mentor):
            return
        key = spec.denied or ("error.admin_only" if spec.role == Role.ADMIN else "error.mentor_only")
        raise PermissionDenied(spec.name, key, command=spec.name)

    async def _unknown(self, ctx: Context, word: str) -> list[Reply]:
        if not word:
            spec = self.find("help")
            assert spec is not None
            return await spec.handler(ctx, "")
        suggestion = self.suggest(word)
        if suggestion:
            raise UserError("error.did_you_mean", word=word, suggestion=suggestion)
        raise UserError("error.unknown_command", word=word)
