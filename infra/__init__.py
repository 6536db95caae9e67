"""Parley on AWS: the Pulumi program, one component per area (see `infra/__main__.py`).

Messaging, tables and the services' permissions are built from `services.wire`, the same
module the services and the local stack use; nothing else of the services is imported here.
"""
