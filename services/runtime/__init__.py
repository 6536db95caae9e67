"""Plumbing every service shares: settings, AWS clients, the bus, idempotency, logs+metrics."""
