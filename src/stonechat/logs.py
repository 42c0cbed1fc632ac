"""Logging, set up once by the entry point: text lines, or one JSON object a line.

Both go to standard error (journald, ``docker logs``). A JSON line has ``time`` (UTC,
ISO 8601), ``level``, ``logger``, ``pid``, ``message``, and the fields a record carries:
the access log's ``method``, ``path``, ``status``, ``duration_ms``, ``client``, ``bytes``
(protocols/http/access_log.py), and ``exc_info`` with the traceback of an error.
uvicorn's own loggers and Python warnings go through the same handler, so with
``--log-format json`` every line the server writes is JSON.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(process)d %(message)s"
JSON_NAMES = {"levelname": "level", "name": "logger", "process": "pid"}
# uvicorn repeats some messages with terminal colour codes in an extra field.
JSON_SKIPPED = [*RESERVED_ATTRS, "color_message"]


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of ``--log-format`` (``text`` or ``json``)."""
    if log_format == "json":
        return OrjsonFormatter(
            JSON_FIELDS, rename_fields=JSON_NAMES, reserved_attrs=JSON_SKIPPED, timestamp="time"
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(level: str, log_format: str) -> None:
    """Send every log record of the process to standard error in ``log_format``."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)
