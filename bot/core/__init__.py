"""The transport-neutral conversation core: events in, replies out. No platform type enters here."""
