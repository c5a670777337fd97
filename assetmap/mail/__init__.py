"""Mail: an outbox written in the same transaction as the change it reports, and a worker that sends it."""
