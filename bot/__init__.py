"""Tandem's conversation core and its chat channels (console, Slack, Teams)."""
