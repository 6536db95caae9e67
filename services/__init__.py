"""Parley's four services and the code they share (`wire`, `runtime`)."""
