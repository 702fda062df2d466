"""Placeholder until this module is written."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.replies import Reply, Text


async def handle_settings(ctx: Context, args: str) -> list[Reply]:
    return [Text('not yet')]


async def handle_time(ctx: Context, args: str) -> list[Reply]:
    return [Text('not yet')]


async def handle_days(ctx: Context, args: str) -> list[Reply]:
    return [Text('not yet')]


async def handle_tz(ctx: Context, args: str) -> list[Reply]:
    return [Text('not yet')]


async def handle_lang(ctx: Context, args: str) -> list[Reply]:
    return [Text('not yet')]
