"""The chaos run: the local stack under simulated people while services are killed, every
message is delivered twice and poison sits in every inbox, in direct mode or in production's
livekit mode (against a LiveKit stand-in whose webhooks come twice and out of order, with
DynamoDB calls throttled); afterwards the tables must prove that nothing got stuck, and the
run's raw facts go to an independent referee (tests/referee/). `python -m services.chaos`
prints its figures (`--facts` writes the facts); tests/chaos/ runs both modes in `make test`."""
