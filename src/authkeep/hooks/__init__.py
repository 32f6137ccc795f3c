"""Webhook delivery: events captured in the write transaction (capture) and a durable outbox
worker (worker). docs/architecture.md, "Webhooks"."""
