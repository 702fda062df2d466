"""The console channel: a terminal conversation with the same core as Slack and Teams."""
