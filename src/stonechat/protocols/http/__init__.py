"""The HTTP adapter: the Adafruit IO REST API v2 on FastAPI."""
