"""Safety with strangers: standing, bans, blocks, reports and the moderation tools."""
