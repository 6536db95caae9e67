"""The chaos run: the local stack under simulated people while services are killed, every
message is delivered twice and poison sits in every inbox; afterwards the tables must prove
that nothing got stuck and nobody paid wrongly. `python -m services.chaos` prints its figures;
tests/chaos/ runs it in `make test`."""
