"""Placeholder until this module is written."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.replies import Reply, Text


async def handle_progress(ctx: Context, args: str) -> list[Reply]:
    return [Text('not yet')]
