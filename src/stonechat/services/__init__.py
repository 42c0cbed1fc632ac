"""Use cases: accounts, feeds, groups, data, ingest, dashboards, webhooks, time."""
