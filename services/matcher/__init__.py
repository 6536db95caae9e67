"""matcher."""
