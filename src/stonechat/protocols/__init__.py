"""Inbound adapters: HTTP, MQTT, WebSocket."""
