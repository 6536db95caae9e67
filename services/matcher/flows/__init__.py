"""The matcher's handlers, one module per subject (tickets, invites, sessions, ...)."""
