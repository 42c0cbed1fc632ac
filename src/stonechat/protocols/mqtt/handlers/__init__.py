"""One module per packet type; each handler returns ``None`` or a coroutine to wait for."""
