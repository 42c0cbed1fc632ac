"""Outputs of actions: templates (Jinja2, sandboxed), email (SMTP) and webhooks (HTTP).

Adapters that services call; they know nothing of storage or protocols.
"""
