"""Parley on AWS: the Pulumi program, one component per area (composed by `infra/__main__.py`).

Messaging, tables and the services' permissions are built from `services.wire`, the same
module the services and the local stack use; nothing else of the services is imported here.
The package has a name of its own because Pulumi runs `infra/` with that folder first on
`sys.path`: a module there named like a library (`secrets`, `dns`, `livekit`) would shadow it.
"""
