"""Stonechat: a self-hosted IoT data platform that speaks the Adafruit IO APIs."""

__version__ = "0.1.0"
