"""Fan-out of stored data points to subscribers (MQTT, WebSocket, triggers)."""
