"""Adafruit IO on the generic MQTT core (mqtt-api.md): the ``Hooks`` it plugs in.

``hooks.AdafruitHooks`` is what ``runtime.py`` hands the broker. Behind it: signing in
(``sign_in``), bans and the data rate (``enforcement``), who may hold a subscription
(``guard``), publishes to feed and group topics (``publish``), ``/get`` (``get``), the
fan-out of stored points (``fan_out``, ``payloads``) and the key watch (``keys``).
"""
