"""The Slack channel: Block Kit rendering of the core's replies."""
