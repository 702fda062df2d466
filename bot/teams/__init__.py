"""Microsoft Teams: its settings, the channel, its outlet, Adaptive Card rendering and the app package."""
