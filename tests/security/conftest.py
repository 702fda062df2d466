"""The attack suite runs against the same real server and fakes as the channel tests."""

from __future__ import annotations

from tests.bot.slack.conftest import fake_slack, slack, slack_by_hand

__all__ = ["fake_slack", "slack", "slack_by_hand"]
