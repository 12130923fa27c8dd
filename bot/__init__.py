"""Community emergency service bot: application core."""
