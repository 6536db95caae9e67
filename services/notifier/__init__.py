"""The notifier: events in, messages on people's open WebSockets out.

Per-person order with any number of instances
---------------------------------------------
Events about one person reach the notifier in several FIFO groups (`user#…`, `session#…`,
`invite#…`). SQS keeps each group in order and hands a group to one consumer at a time, so
messages about one entity (one session, one invite, one person's points) never overtake each
other. Across groups nothing orders them: with two instances, or one restarting, a person can
be told of session B's start before session A's start and end, or of a waiting ticket after
the session it led to. `lanes` orders pushes per person inside one process only.

The cross-instance guarantee is a property of the messages, not of the delivery: every pushed
message carries `occurredAt`, the time of the event (`messages.stamp`), and the browser
applies state-changing messages in event order per person and per entity (docs/api.md,
"Order"): a message older than what already set the person's place (waiting, in a call, a
summary) only closes its own entity; an older `points.changed` is dropped; a closed ticket,
session or invite stays closed. Where the time comes from one writer's versioned record
(points: the ledger commits conditionally on the version it read, and stamps the entry after
that read) event order is commit order, up to the clock skew between two instances.

Why not order the deliveries themselves: a per-person high-water mark in DynamoDB (a
conditional write before each post) would add a write and a round trip to every push and
still not order the posts, which race on the network after the write; ordering them would
need a per-person lease held across the post. Dropping what is older than the mark would also
drop news about another entity (an invite) that nothing newer replaces. Stamping costs nothing
per push, survives restarts and deploys (old and new instances side by side), and the browser
needs the same rules anyway after a reconnect, when it may miss or re-see messages.
"""
