"""The dashboard's routes on Tandem's web host, in channel mode (bot/serve.py) and in console mode
(`tandem run` without a chat platform, bot/cli.py): sign-in and sign-out (bot/web/auth.py), the pages
and CSV exports (bot/web/pages.py), and the import and action forms (bot/web/actions.py)."""

from __future__ import annotations

import dataclasses

from bot.channel import Route
from bot.core.conversation import Conversation
from bot.web import actions, pages, render
from bot.web.auth import AUTH_KEY, Auth


def dashboard_routes(conversation: Conversation) -> list[Route]:
    """Every /dashboard route, each carrying what its handlers read from the web application: the
    template environment and the sign-in state."""
    auth = Auth(conversation)
    state: dict[str, object] = {**render.app_state(), AUTH_KEY: auth}  # type: ignore[dict-item]
    routes = [*auth.routes(), *pages.routes(conversation), *actions.routes(conversation)]
    return [dataclasses.replace(route, app_state={**route.app_state, **state}) for route in routes]
