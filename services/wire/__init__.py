"""Parley's wire: the single source of truth for messages, topology and tables.

Imported by every service and by the Pulumi program in `infra/`; it imports nothing of theirs.
"""

from services.wire.names import Service
from services.wire.topology import Topology, topology

__all__ = ["Service", "Topology", "topology"]
