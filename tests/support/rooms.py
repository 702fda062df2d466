"""A command and a button that post in the room they come from, for the channels' tests of rooms: what a
workshop's steps do, without a workshop. Added to a running app's router, so each channel's real
translation, the real core, the ledger and the real dispatcher carry them."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.conversation import Conversation
from bot.core.replies import Button, Notify, Reply, Text
from bot.core.router import ActionSpec, CommandSpec, Router

COMMAND = "post-here"
ACTION = "room.here"
SECRET = "room.secret"
"""A button whose answer is for the person who pressed it alone (as a live quiz's "Got it")."""
STEP = "Step 1 of the workshop: what would you like to be able to do by the end?"


async def post_here(ctx: Context, _args: str) -> list[Reply]:
    """Says which room the event came from and, from a room, queues a message for it that the person
    answers for (as a workshop's host does), with a button that does the same again."""
    room = ctx.event.room
    if room is None:
        return [Text("room: none")]
    step = Text(STEP, buttons=(Button("Again", ACTION, "again"), Button("My answer", SECRET, "mine")))
    return [Text(f"room: {room}"), Notify(ctx.person.key, (step,), room=room)]


async def secret(ctx: Context, value: str) -> list[Reply]:
    """Answers the person who pressed privately, wherever the button was."""
    return [Text(f"only you see this: {value}", private=True)]


def add_room_command(conversation: Conversation) -> None:
    """`post-here` and the button action `room.here` in the conversation's router, beside the others."""
    router = conversation.router
    conversation.router = Router(
        [*router.commands, CommandSpec((COMMAND,), post_here)],
        [*router.actions.values(), ActionSpec(ACTION, post_here), ActionSpec(SECRET, secret)],
        router.fallback,
    )
