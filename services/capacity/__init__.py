"""A day of Parley, simulated: the real pairing core under a synthetic day, and what the
code's access patterns would cost per DynamoDB partition, queue, topic, task and media node.

`python -m services.capacity` (`make capacity`) prints the figures docs/capacity.md quotes.
"""
