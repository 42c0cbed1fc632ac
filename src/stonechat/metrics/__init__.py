"""Prometheus metrics of a Stonechat process, served at ``/metrics``.

The parts count in plain numbers where things happen (the broker's ``stats`` and
``traffic``, the ingest's totals, the limiter's refusals); ``Sampler`` copies them into
prometheus-client metrics when they are scraped, and every few seconds with ``--workers``.
Only what happens once per HTTP request or per committed batch is observed directly
(latency histograms). With ``--workers`` the supervisor gives its workers one directory for
prometheus-client's multiprocess mode, so a scrape of any worker sees them all.

A layer above the protocols: it reads the parts, and they know nothing of it (the HTTP
middleware and the ingest call plain callbacks).
"""
