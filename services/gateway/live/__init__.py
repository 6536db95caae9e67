"""The live side: sockets, presence, connection leases and media (LiveKit, TURN)."""
