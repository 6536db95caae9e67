"""A load generator for the local stack: simulated people through the public API and WebSocket.

`python -m services.loadgen --base-url http://127.0.0.1:8080 --moto-url http://127.0.0.1:4566`
creates `load-NNN` people in the embedded Cognito, signs them in, and has each join, talk for
a moment, stop and join again (some invite each other), paced by one global token bucket. It
measures join → both told of the match next to the embedded AWS's own SNS FIFO → SQS FIFO hop
under the same load, then checks the books once everything is quiet. Loopback only.

Join → both told, per match made from the queue: from the moment the later of the two
`POST /v1/queue` answers arrived (the earlier person was only waiting for a partner) to the
moment the second of the two received `session.started` on its WebSocket, paired by session
id. The hop: publish call start → the message back from a long poll of the subscribed queue.
"""
