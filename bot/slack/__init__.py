"""The Slack channel: its settings, its HTTP endpoint, the bolt listeners, Block Kit rendering and the
Slack outlet."""
