"""MQTT 3.1.1 load generator: asyncio + uvloop, raw sockets, pre-encoded packets.

Not a general client: it encodes the five packets it sends (CONNECT, SUBSCRIBE, PUBLISH,
PUBACK, PINGREQ) by hand, writes many PUBLISH packets per ``transport.write``, and its
incoming parser only counts PUBLISH/PUBACK and reads the send time carried in each payload.
Every payload is a 10-digit decimal number (the send time in microseconds, offset so it
always has 10 digits), a valid raw value for a feed; latency is the receive time minus it.
It connects to 127.0.0.1 only and every run is bounded in time and in connections.

``bench/mqtt_bench.py`` drives it against Mosquitto and Stonechat; it can also be run alone
against any broker listening on 127.0.0.1::

    .venv/bin/python bench/mqtt_load.py --port 1883 single --qos 0 --seconds 5
    .venv/bin/python bench/mqtt_load.py --port 1883 fanout --subscribers 100 --qos 0
    .venv/bin/python bench/mqtt_load.py --port 1883 feeds --publishers 1000 --rates 2000,5000
    .venv/bin/python bench/mqtt_load.py --port 1883 idle --stages 1000,2500,5000
    .venv/bin/python bench/mqtt_load.py --port 1883 flood --qos 0   # publish only, no subscriber
    .venv/bin/python bench/mqtt_load.py ceiling      # the generator's own limits, no broker

``--username``/``--password`` are sent in every CONNECT when given; ``--server-pid`` adds
that process's (and its children's) CPU and RSS to the output.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import resource
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, cast

import uvloop

HOST = "127.0.0.1"  # the only address this generator connects to
MAX_CONNECTIONS = 20_000  # per group of connections
KEEPALIVE = 60  # seconds, sent in CONNECT; a PINGREQ goes out every KEEPALIVE / 2
STAMP_LEN = 10
WRAP_US = 9_000_000_000  # stamps are microseconds modulo this, plus 1e9: always 10 digits
STAMP_BASE = 1_000_000_000
PUBACK_HEAD = b"\x40\x02"
PINGREQ = b"\xc0\x00"
DISCONNECT = b"\xe0\x00"
PIDS: list[bytes] = [struct.pack("!H", i) for i in range(1, 65536)]  # packet id i at i - 1
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------- packets


def varint(n: int) -> bytes:
    """MQTT Remaining Length encoding."""
    out = bytearray()
    while True:
        n, digit = n >> 7, n & 0x7F
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_str(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("!H", len(raw)) + raw


def connect_packet(
    client_id: str, username: str | None, password: str | None, keepalive: int = KEEPALIVE
) -> bytes:
    """CONNECT, protocol "MQTT" level 4 (3.1.1), clean session, no will."""
    flags = 0x02
    payload = mqtt_str(client_id)
    if username is not None:
        flags |= 0x80
        payload += mqtt_str(username)
        if password is not None:
            flags |= 0x40
            payload += mqtt_str(password)
    body = mqtt_str("MQTT") + bytes((4, flags)) + struct.pack("!H", keepalive) + payload
    return b"\x10" + varint(len(body)) + body


def subscribe_packet(packet_id: int, topic: str, qos: int) -> bytes:
    body = struct.pack("!H", packet_id) + mqtt_str(topic) + bytes((qos,))
    return b"\x82" + varint(len(body)) + body


def publish_head(topic: str, qos: int) -> bytes:
    """Fixed header and topic of a PUBLISH with a stamp payload; the packet id follows (QoS 1)."""
    rest = 2 + len(topic.encode()) + (2 if qos else 0) + STAMP_LEN
    return bytes((0x30 | (qos << 1),)) + varint(rest) + mqtt_str(topic)


def stamp() -> bytes:
    """The payload: now in microseconds as 10 ASCII digits."""
    return b"%d" % (time.time_ns() // 1000 % WRAP_US + STAMP_BASE)


def now_us() -> int:
    return time.time_ns() // 1000 % WRAP_US


# --------------------------------------------------------------------------- connections


class ConnectRefused(Exception):
    """The broker answered CONNECT with a non-zero return code."""

    def __init__(self, code: int) -> None:
        super().__init__(f"CONNACK return code {code}")
        self.code = code


class Counters:
    """What a group of connections sent and received; shared by all of them."""

    def __init__(self) -> None:
        self.sent = 0  # PUBLISH packets written
        self.acked = 0  # PUBACKs received for them
        self.received = 0  # PUBLISH packets received by subscribers
        self.untimed = 0  # received PUBLISH whose payload was not a stamp
        self.skipped = 0  # publishes not written because the socket was paused
        self.lost_connections = 0
        self.lat: dict[int, int] = {}  # latency in microseconds -> count
        self.waiter: asyncio.Future[None] | None = None
        self.wake_received = 0  # wake the waiter once received >= this ...
        self.wake_acked = 0  # ... and acked >= this

    def wake(self) -> None:
        w = self.waiter
        if (
            w is not None
            and self.received >= self.wake_received
            and self.acked >= self.wake_acked
            and not w.done()
        ):
            w.set_result(None)


class Conn(asyncio.Protocol):
    """One MQTT connection; a publisher, a subscriber, or idle."""

    def __init__(self, st: Counters, connect: bytes) -> None:
        self.st = st
        self.connect = connect
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[int] = loop.create_future()  # CONNACK return code
        self.suback: asyncio.Future[int] | None = None
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.paused = False
        self.closing = False
        self.head = b""  # publish_head() of this connection's topic
        self.qos = 0
        self.next_pid = 0  # index into PIDS

    # asyncio.Protocol ----------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass
        self.transport.write(self.connect)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if not self.closing:
            self.st.lost_connections += 1
        err = ConnectionError(f"connection lost: {exc!r}")
        for fut in (self.ready, self.suback):
            if fut is not None and not fut.done():
                fut.set_exception(err)
                fut.exception()  # whoever awaits it still gets it; no "never retrieved" log

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        w = self.st.waiter
        if w is not None and not w.done():
            w.set_result(None)

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        n = len(buf)
        pos = 0
        received = acked = untimed = 0
        acks: list[bytes] = []
        last = b""
        run = 0
        now = -1
        lat = self.st.lat
        while n - pos >= 2:
            b0 = buf[pos]
            rl = buf[pos + 1]
            s = pos + 2
            if rl & 0x80:
                rl &= 0x7F
                shift = 7
                while True:
                    if s >= n:
                        rl = -1
                        break
                    b = buf[s]
                    s += 1
                    rl |= (b & 0x7F) << shift
                    shift += 7
                    if not b & 0x80:
                        break
                if rl < 0:
                    break
            end = s + rl
            if end > n:
                break
            kind = b0 >> 4
            if kind == 3:  # PUBLISH
                p = s + 2 + ((buf[s] << 8) | buf[s + 1])
                if b0 & 0x06:
                    p += 2
                    acks.append(PUBACK_HEAD + buf[p - 2 : p])
                received += 1
                if end - p == STAMP_LEN:
                    if run and buf.startswith(last, p):
                        run += 1
                    else:
                        if run:
                            if now < 0:
                                now = now_us()
                            try:
                                us = (now - int(last) + STAMP_BASE) % WRAP_US
                                lat[us] = lat.get(us, 0) + run
                            except ValueError:
                                untimed += run
                        last = buf[p:end]
                        run = 1
                else:
                    untimed += 1
            elif kind == 4:  # PUBACK
                acked += 1
            elif kind == 2:  # CONNACK
                if not self.ready.done():
                    self.ready.set_result(buf[s + 1] if rl >= 2 else 255)
            elif kind == 9 and self.suback is not None and not self.suback.done():  # SUBACK
                self.suback.set_result(buf[end - 1])
            pos = end
        self.buf = buf[pos:] if pos < n else b""
        if run:
            if now < 0:
                now = now_us()
            try:
                us = (now - int(last) + STAMP_BASE) % WRAP_US
                lat[us] = lat.get(us, 0) + run
            except ValueError:
                untimed += run
        if acks and self.transport is not None:
            self.transport.write(b"".join(acks))
        if received or acked:
            st = self.st
            st.received += received
            st.acked += acked
            st.untimed += untimed
            st.wake()

    # actions -------------------------------------------------------------------------
    async def subscribe(self, topic: str, qos: int, wait_s: float) -> int:
        """SUBSCRIBE one topic and wait for the SUBACK; returns the granted QoS."""
        assert self.transport is not None
        self.suback = asyncio.get_running_loop().create_future()
        self.transport.write(subscribe_packet(1, topic, qos))
        granted = await asyncio.wait_for(self.suback, wait_s)
        if granted == 0x80:
            raise ConnectionError(f"SUBSCRIBE {topic!r} refused (SUBACK 0x80)")
        return granted

    def set_topic(self, topic: str, qos: int) -> None:
        self.head = publish_head(topic, qos)
        self.qos = qos

    def publish(self, count: int, ts: bytes) -> int:
        """Write ``count`` PUBLISH packets stamped ``ts`` in one write; returns how many."""
        t = self.transport
        if t is None or self.paused:
            self.st.skipped += count
            return 0
        if self.qos == 0:
            msg = self.head + ts
            t.write(msg * count if count > 1 else msg)
        else:
            i = self.next_pid
            head = self.head
            if i + count <= 65535:
                ids = PIDS[i : i + count]
                self.next_pid = (i + count) % 65535
            else:
                ids = PIDS[i:] + PIDS[: i + count - 65535]
                self.next_pid = i + count - 65535
            t.write(b"".join([head + x + ts for x in ids]))
        self.st.sent += count
        return count

    def ping(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(PINGREQ)

    def close(self) -> None:
        self.closing = True
        if self.transport is not None:
            if not self.transport.is_closing():
                self.transport.write(DISCONNECT)
            self.transport.close()


@dataclass
class Login:
    """Credentials sent in CONNECT and the topic owner (the user name, or a stand-in)."""

    username: str | None = None
    password: str | None = None

    @property
    def owner(self) -> str:
        return self.username or "bench"


async def open_conn(
    port: int, st: Counters, client_id: str, login: Login, wait_s: float = 10.0
) -> Conn:
    """Connect and wait for CONNACK; raises ConnectRefused or OSError/TimeoutError."""
    loop = asyncio.get_running_loop()
    packet = connect_packet(client_id, login.username, login.password)

    async def go() -> Conn:
        _t, conn = await loop.create_connection(lambda: Conn(st, packet), HOST, port)
        try:
            code = await conn.ready
        except BaseException:
            conn.close()
            raise
        if code != 0:
            conn.close()
            raise ConnectRefused(code)
        return conn

    return await asyncio.wait_for(go(), wait_s)


async def open_many(
    port: int,
    st: Counters,
    prefix: str,
    count: int,
    login: Login,
    concurrency: int = 64,
    start: int = 0,
) -> list[Conn]:
    """``count`` connections with client ids ``{prefix}{start}..``, ``concurrency`` at a time."""
    if start + count > MAX_CONNECTIONS:
        raise ValueError(f"at most {MAX_CONNECTIONS:,} connections per load")
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> Conn:
        async with sem:
            return await open_conn(port, st, f"{prefix}{i}", login)

    results = await asyncio.gather(
        *(one(i) for i in range(start, start + count)), return_exceptions=True
    )
    conns = [r for r in results if isinstance(r, Conn)]
    errors = [r for r in results if not isinstance(r, Conn)]
    if errors:
        close_all(conns)
        raise errors[0] if isinstance(errors[0], Exception) else RuntimeError(str(errors[0]))
    return conns


def close_all(conns: Iterable[Conn]) -> None:
    for c in conns:
        c.close()


async def keepalive(conns: Sequence[Conn], interval: float = KEEPALIVE / 2) -> None:
    """PINGREQ on every connection every ``interval`` seconds, until cancelled."""
    while True:
        await asyncio.sleep(interval)
        for c in conns:
            c.ping()


def client_prefix(role: str) -> str:
    """Short unique client ids (<= 23 characters, the 3.1.1 guaranteed length)."""
    return f"sb{uuid.uuid4().hex[:8]}{role}"


# --------------------------------------------------------------------------- process stats


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: Iterable[int]) -> float:
    """utime + stime of the processes, from /proc/<pid>/stat."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def rss_bytes(pids: Iterable[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            continue
    return total


def machine_busy_seconds() -> float:
    """CPU time all processes used, from the first line of /proc/stat (every core)."""
    with open("/proc/stat", "rb") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = v
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def own_cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


@dataclass
class Probe:
    """CPU and RSS of the broker's processes (and of this generator) over a window."""

    pid: int | None
    extra: Callable[[], list[int]] | None = None  # more processes to count (PostgreSQL)
    t: float = 0.0
    cpu: float = 0.0
    gen_cpu: float = 0.0
    extra_cpu: float = 0.0
    machine: float = 0.0

    def pids(self) -> list[int]:
        return process_tree(self.pid) if self.pid else []

    def start(self) -> None:
        self.t = time.monotonic()
        self.cpu = cpu_seconds(self.pids())
        self.gen_cpu = own_cpu_seconds()
        self.extra_cpu = cpu_seconds(self.extra()) if self.extra else 0.0
        self.machine = machine_busy_seconds()

    def stop(self) -> dict[str, float]:
        """Percentages of one core over the window; ``other_cpu_pct`` is what processes
        other than the broker, its database and this generator used (noise)."""
        el = time.monotonic() - self.t
        pids = self.pids()
        out = {"gen_cpu_pct": 100 * (own_cpu_seconds() - self.gen_cpu) / el}
        if pids:
            out["server_cpu_pct"] = 100 * (cpu_seconds(pids) - self.cpu) / el
            out["server_rss_mb"] = rss_bytes(pids) / 1e6
        if self.extra:
            used = cpu_seconds(self.extra()) - self.extra_cpu
            out["db_cpu_pct"] = max(0.0, 100 * used / el)
        machine = 100 * (machine_busy_seconds() - self.machine) / el
        ours = out["gen_cpu_pct"] + out.get("server_cpu_pct", 0) + out.get("db_cpu_pct", 0)
        out["other_cpu_pct"] = max(0.0, machine - ours)
        return out


# --------------------------------------------------------------------------- results


def percentile(hist: dict[int, int], q: float) -> float | None:
    """The q-quantile (0..1) of a latency histogram, in milliseconds."""
    total = sum(hist.values())
    if not total:
        return None
    rank = q * (total - 1)
    seen = 0
    for us in sorted(hist):
        seen += hist[us]
        if seen > rank:
            return us / 1000
    return max(hist) / 1000


@dataclass
class Window:
    """One measured window of a load."""

    label: str
    seconds: float = 0.0
    target_rate: float | None = None  # offered rate asked for (paced loads)
    sent_rate: float = 0.0  # PUBLISH written per second
    delivered_rate: float = 0.0  # PUBLISH received by subscribers per second
    acked_rate: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    # totals since the connections were opened, read after the drain
    total_sent: int = 0
    total_acked: int = 0
    total_expected: int = 0  # sent x fan-out
    total_received: int = 0  # more than expected means duplicates
    untimed: int = 0
    skipped: int = 0
    lost_connections: int = 0
    saturated: bool = False
    drained: bool = True  # everything sent was delivered (and acked) within the drain time
    stats: dict[str, float] = field(default_factory=dict)


class Measure:
    """Snapshots of the counters (and the probe) at the start and end of a window."""

    def __init__(self, st: Counters, probe: Probe | None) -> None:
        self.st = st
        self.probe = probe
        self.t0 = 0.0
        self.base = (0, 0, 0, 0, 0)
        self.t1 = 0.0
        self.end = (0, 0, 0)
        self.stats: dict[str, float] = {}

    def start(self) -> None:
        st = self.st
        st.lat = {}
        st.untimed = 0
        self.base = (st.sent, st.received, st.acked, st.skipped, st.lost_connections)
        if self.probe:
            self.probe.start()
        self.t0 = time.monotonic()

    def stop(self) -> None:
        self.t1 = time.monotonic()
        st = self.st
        self.end = (st.sent, st.received, st.acked)
        if self.probe:
            self.stats = self.probe.stop()

    def result(self, label: str, fanout: int, target: float | None = None) -> Window:
        st = self.st
        el = self.t1 - self.t0
        sent0, recv0, ack0, skip0, lost0 = self.base
        sent1, recv1, ack1 = self.end
        return Window(
            label=label,
            seconds=el,
            target_rate=target,
            sent_rate=(sent1 - sent0) / el,
            delivered_rate=(recv1 - recv0) / el,
            acked_rate=(ack1 - ack0) / el,
            p50_ms=percentile(st.lat, 0.50),
            p99_ms=percentile(st.lat, 0.99),
            max_ms=max(st.lat) / 1000 if st.lat else None,
            total_sent=st.sent,
            total_acked=st.acked,
            total_expected=st.sent * fanout,
            total_received=st.received,
            untimed=st.untimed,
            skipped=st.skipped - skip0,
            lost_connections=st.lost_connections - lost0,
            stats=self.stats,
        )


async def drain(st: Counters, fanout: int, qos: int, wait_s: float) -> bool:
    """Wait until everything sent was delivered (and acked), at most ``wait_s`` s."""
    deadline = time.monotonic() + wait_s
    while True:
        if st.received >= st.sent * fanout and (qos == 0 or st.acked >= st.sent):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.02)


# --------------------------------------------------------------------------- loads


async def paced(
    pubs: Sequence[Conn], rate: float, seconds: float, tick: float = 0.002, burst: int = 1
) -> None:
    """Open loop: ``rate`` msg/s in total, spread round-robin over ``pubs``, written every
    ``tick`` s (short ticks matter: 20 ms bursts gave Mosquitto a p99 of 150-300 ms at
    40k/s, 2 ms ticks ~20 ms). Each write carries ``burst`` messages of one publisher: 1 is
    the realistic load; more costs the generator less per message at high rates."""
    loop = asyncio.get_running_loop()
    n = len(pubs)
    start = loop.time()
    end = start + seconds
    due_total = 0
    rr = 0
    while True:
        now = loop.time()
        if now >= end:
            break
        due = (int(rate * (now - start)) - due_total) // burst
        if due > 0:
            due_total += due * burst
            ts = stamp()
            q, r = divmod(due, n)
            if q:
                for k in range(n):
                    pubs[(rr + k) % n].publish((q + (1 if k < r else 0)) * burst, ts)
            else:
                for k in range(r):
                    pubs[(rr + k) % n].publish(burst, ts)
            rr = (rr + r) % n
        await asyncio.sleep(tick)


async def saturate(
    pub: Conn,
    st: Counters,
    fanout: int,
    seconds: float,
    warmup: float,
    window: int,
    measure: Measure,
    batch: int = 500,
) -> int:
    """Closed loop: publish as fast as deliveries come back, keeping at most ``window``
    messages (``window`` x fan-out deliveries, and ``window`` unacked for QoS 1) in flight.
    Returns the number of stalls (1 s without progress; what was in flight is written off).
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    t0 = start + warmup
    end = t0 + seconds
    measuring = False
    written_off = 0  # deliveries given up on after a stall
    acks_off = 0  # PUBACKs given up on after a stall
    stalls = 0
    qos1 = pub.qos > 0
    low = max(1, window // 2)
    while True:
        now = loop.time()
        if not measuring and now >= t0:
            measure.start()
            measuring = True
        if now >= end:
            break
        out_msgs = (st.sent * fanout - st.received - written_off) // fanout
        if qos1:
            out_msgs = max(out_msgs, st.sent - st.acked - acks_off)
        room = window - out_msgs
        if room < low or pub.paused:
            if pub.paused:  # only resume_writing() wakes
                st.wake_received = st.wake_acked = 1 << 62
            else:
                st.wake_received = st.sent * fanout - written_off - low * fanout
                st.wake_acked = st.sent - acks_off - low if qos1 else 0
            fut = loop.create_future()
            st.waiter = fut
            try:
                await asyncio.wait_for(fut, min(1.0, max(0.01, end - now)))
            except TimeoutError:
                if loop.time() < end and not pub.paused:
                    stalls += 1
                    written_off = st.sent * fanout - st.received
                    acks_off = st.sent - st.acked
            finally:
                st.waiter = None
            continue
        pub.publish(min(room, batch), stamp())
        await asyncio.sleep(0)
    measure.stop()
    return stalls


# --------------------------------------------------------------------------- scenarios


@dataclass
class Topics:
    """Topic names for a user; ``owner`` is the user name (a stand-in on Mosquitto)."""

    owner: str

    def feed(self, i: int) -> str:
        return f"{self.owner}/feeds/bench-{i}"

    def free(self, name: str = "x") -> str:
        return f"{self.owner}/bench/{name}"


async def scenario_single(
    port: int,
    login: Login,
    qos: int,
    seconds: float,
    probe: Probe | None,
    window: int | None = None,
) -> Window:
    """One publisher, one subscriber, one free-form topic: the most msg/s. The in-flight
    ``window`` defaults to what gave Mosquitto its best rate here: 10,000 at QoS 0, 1,000 at
    QoS 1 (more only adds queueing)."""
    if window is None:
        window = 10_000 if qos == 0 else 1_000
    st = Counters()
    topic = Topics(login.owner).free("x")
    pre = client_prefix("s")
    conns: list[Conn] = []
    pinger = asyncio.create_task(keepalive(conns))
    try:
        sub = await open_conn(port, st, pre + "s", login)
        conns.append(sub)
        pub = await open_conn(port, st, pre + "p", login)
        conns.append(pub)
        await sub.subscribe(topic, qos, 10)
        pub.set_topic(topic, qos)
        m = Measure(st, probe)
        stalls = await saturate(pub, st, 1, seconds, min(1.0, seconds / 5), window, m)
        drained = await drain(st, 1, qos, 5)
        w = m.result(f"single qos{qos}", 1)
        w.drained = drained
        w.stats["stalls"] = stalls
        return w
    finally:
        pinger.cancel()
        close_all(conns)


async def scenario_fanout(
    port: int,
    login: Login,
    qos: int,
    subscribers: int,
    seconds: float,
    probe: Probe | None,
    window: int = 50,
) -> Window:
    """One publisher, ``subscribers`` subscribers of its topic: deliveries/s."""
    st = Counters()
    topic = Topics(login.owner).free("fanout")
    pre = client_prefix("f")
    subs = await open_many(port, st, pre + "s", subscribers, login)
    pinger = asyncio.create_task(keepalive(subs))
    try:
        await asyncio.gather(*(s.subscribe(topic, qos, 10) for s in subs))
        pub = await open_conn(port, st, pre + "p", login)
        subs.append(pub)
        pub.set_topic(topic, qos)
        m = Measure(st, probe)
        stalls = await saturate(pub, st, subscribers, seconds, min(1.0, seconds / 5), window, m)
        drained = await drain(st, subscribers, qos, 5)
        w = m.result(f"fanout 1->{subscribers} qos{qos}", subscribers)
        w.drained = drained
        w.stats["stalls"] = stalls
        return w
    finally:
        pinger.cancel()
        close_all(subs)


def saturated(w: Window, target: float) -> bool:
    """Delivered below 95% of the offered rate, or p99 above 100 ms."""
    return w.delivered_rate < 0.95 * target or w.p99_ms is None or w.p99_ms > 100


async def scenario_feeds(
    port: int,
    login: Login,
    publishers: int,
    rates: Sequence[float],
    seconds: float,
    probe: Probe | None,
    qos: int = 1,
    warm_timeout: float = 60,
    warm_seconds: float = 5,
    drain_timeout: float = 15,
    on_step: Callable[[Window], None] | None = None,
    burst: int = 1,
) -> list[Window]:
    """``publishers`` publishers and as many subscribers, publisher i -> subscriber i on feed
    topic bench-i; after a warm-up (one message per topic, then ``warm_seconds`` at the first
    rate) the total offered rate ramps through ``rates``. Each step is marked
    :func:`saturated`; the ramp stops after a step that did not keep up (delivered < 95% of
    the offered rate, or the backlog not delivered within ``drain_timeout``), since a backlog
    would spill into the next step."""
    st = Counters()
    names = Topics(login.owner)
    pre = client_prefix("")
    subs = await open_many(port, st, pre + "s", publishers, login)
    conns = list(subs)
    pinger = asyncio.create_task(keepalive(conns))
    try:
        sem = asyncio.Semaphore(64)

        async def sub_one(i: int, c: Conn) -> None:
            async with sem:
                await c.subscribe(names.feed(i), qos, 30)

        await asyncio.gather(*(sub_one(i, c) for i, c in enumerate(subs)))
        pubs = await open_many(port, st, pre + "p", publishers, login)
        conns.extend(pubs)
        for i, p in enumerate(pubs):
            p.set_topic(names.feed(i), qos)
        # warm-up: one message per topic (Stonechat creates the feeds here)
        ts = stamp()
        for p in pubs:
            p.publish(1, ts)
        await drain(st, 1, qos, warm_timeout)
        if st.received < st.sent:
            raise RuntimeError(f"warm-up: {st.received} of {st.sent} messages delivered")
        # ... then ``warm_seconds`` at the first rate, not measured: on Stonechat the first
        # seconds after the feeds were made had a p99 of ~1 s, the next ones ~5 ms
        if warm_seconds > 0 and rates:
            await paced(pubs, rates[0], warm_seconds, burst=burst)
            await drain(st, 1, qos, warm_timeout)
        out: list[Window] = []
        for rate in rates:
            m = Measure(st, probe)
            m.start()
            await paced(pubs, rate, seconds, burst=burst)
            m.stop()
            drained = await drain(st, 1, qos, drain_timeout)
            w = m.result(f"feeds {rate:g}/s", 1, rate)
            w.saturated = saturated(w, rate)
            w.drained = drained
            out.append(w)
            if on_step:
                on_step(w)
            if not drained or w.delivered_rate < 0.95 * rate:
                break
        return out
    finally:
        pinger.cancel()
        close_all(conns)


@dataclass
class IdleStage:
    connections: int
    connects_per_s: float
    rss_mb: float | None
    rss_per_conn_kb: float | None  # (RSS - RSS before any connection) / connections
    stage_kb_per_conn: float | None  # RSS growth in this stage / connections added
    lost_connections: int = 0  # closed by the broker so far (should stay 0)


async def scenario_idle(
    port: int,
    login: Login,
    stages: Sequence[int],
    pid: int | None,
    concurrency: int = 64,
    settle: float = 1.0,
) -> list[IdleStage]:
    """Open idle connections up to each of ``stages``; connects/s and broker RSS per stage."""
    st = Counters()
    pre = client_prefix("i")
    base = rss_bytes(process_tree(pid)) if pid else None
    prev = base
    conns: list[Conn] = []
    pinger = asyncio.create_task(keepalive(conns))
    out: list[IdleStage] = []
    try:
        for target in stages:
            add = target - len(conns)
            t = time.monotonic()
            conns += await open_many(port, st, pre, add, login, concurrency, start=len(conns))
            rate = add / (time.monotonic() - t)
            await asyncio.sleep(settle)
            rss = rss_bytes(process_tree(pid)) if pid else None
            out.append(
                IdleStage(
                    connections=len(conns),
                    connects_per_s=rate,
                    rss_mb=rss / 1e6 if rss is not None else None,
                    rss_per_conn_kb=(rss - base) / len(conns) / 1024
                    if rss is not None and base is not None
                    else None,
                    stage_kb_per_conn=(rss - prev) / add / 1024
                    if rss is not None and prev is not None
                    else None,
                    lost_connections=st.lost_connections,
                )
            )
            prev = rss
        return out
    finally:
        pinger.cancel()
        close_all(conns)


async def scenario_flood(
    port: int, login: Login, qos: int, seconds: float, probe: Probe | None, publishers: int = 1
) -> Window:
    """Publishers only, nobody subscribed, each writing as fast as its socket takes it
    (QoS 1: at most 10,000 unacked): how fast this generator pushes into a broker."""
    st = Counters()
    pre = client_prefix("x")
    pubs = await open_many(port, st, pre, publishers, login)
    try:
        for p in pubs:
            p.set_topic(Topics(login.owner).free("flood"), qos)
        loop = asyncio.get_running_loop()
        m = Measure(st, probe)
        m.start()
        end = loop.time() + seconds
        while loop.time() < end:
            wrote = 0
            if not qos or st.sent - st.acked < 10_000:
                for p in pubs:
                    if not p.paused:
                        wrote += p.publish(500, stamp())
            if wrote:
                await asyncio.sleep(0)
                continue
            # wait for resume_writing() or for PUBACKs
            st.wake_received = 0
            st.wake_acked = st.sent - 5_000 if qos else 1 << 62
            st.waiter = loop.create_future()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(st.waiter, 0.05)
            st.waiter = None
        m.stop()
        await drain(st, 0, qos, 5)
        return m.result(f"flood {publishers} pub qos{qos}", 0)
    finally:
        close_all(pubs)


# --------------------------------------------------------------------------- ceiling


def _sink(port_box: list[int], ready: threading.Event, stop: threading.Event) -> None:
    """A TCP server in a thread that reads and discards (recv_into releases the GIL)."""
    srv = socket.socket()
    srv.bind((HOST, 0))
    srv.listen(1)
    port_box.append(srv.getsockname()[1])
    ready.set()
    conn, _ = srv.accept()
    buf = bytearray(1 << 20)
    conn.settimeout(0.5)
    while not stop.is_set():
        try:
            if not conn.recv_into(buf):
                break
        except TimeoutError:
            continue
        except OSError:
            break
    conn.close()
    srv.close()


async def ceiling(seconds: float) -> dict[str, float]:
    """The generator alone: how fast it writes QoS 0/1 PUBLISH to a socket that discards,
    and how fast its parser counts incoming PUBLISH (64 KB chunks, no socket)."""
    out: dict[str, float] = {}
    topic = "u0123456789/bench/x"
    for qos in (0, 1):
        box: list[int] = []
        ready, stop = threading.Event(), threading.Event()
        th = threading.Thread(target=_sink, args=(box, ready, stop), daemon=True)
        th.start()
        ready.wait()
        st = Counters()
        loop = asyncio.get_running_loop()
        _t, conn = await loop.create_connection(functools.partial(Conn, st, b""), HOST, box[0])
        conn.set_topic(topic, qos)
        t0 = time.monotonic()
        cpu0 = own_cpu_seconds()
        while time.monotonic() - t0 < seconds:
            if conn.paused:
                await asyncio.sleep(0.0005)
                continue
            conn.publish(500, stamp())
            await asyncio.sleep(0)
        el = time.monotonic() - t0
        out[f"write_qos{qos}_msg_per_s"] = st.sent / el
        out[f"write_qos{qos}_cpu_pct"] = 100 * (own_cpu_seconds() - cpu0) / el
        conn.close()
        stop.set()
        th.join()
    for qos in (0, 1):
        st = Counters()
        conn = Conn(st, b"")
        msg = publish_head(topic, qos) + (b"\x00\x07" if qos else b"") + stamp()
        chunk = msg * (65536 // len(msg))
        per = 65536 // len(msg)
        # split in the middle of a packet half the time, as TCP does
        a, b = chunk[: len(chunk) // 2 + 3], chunk[len(chunk) // 2 + 3 :]
        t0 = time.monotonic()
        count = 0
        while time.monotonic() - t0 < seconds:
            for _ in range(10):
                conn.data_received(a)
                conn.data_received(b)
            count += 10 * per
        out[f"parse_qos{qos}_msg_per_s"] = count / (time.monotonic() - t0)
    return out


# --------------------------------------------------------------------------- CLI


def raise_nofile(want: int = 65536) -> int:
    """Raise the soft RLIMIT_NOFILE towards ``want`` (at most the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(want, hard) if hard != resource.RLIM_INFINITY else want
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def run(coro: Any) -> Any:
    """asyncio.run on uvloop."""
    return uvloop.run(coro)


def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("single")
    p.add_argument("--qos", type=int, choices=(0, 1), default=0)
    p.add_argument("--window", type=int, help="in flight (10,000 at QoS 0, 1,000 at QoS 1)")
    p = sub.add_parser("fanout")
    p.add_argument("--qos", type=int, choices=(0, 1), default=0)
    p.add_argument("--subscribers", type=int, default=100)
    p = sub.add_parser("feeds")
    p.add_argument("--publishers", type=int, default=1000)
    p.add_argument("--rates", default="2000,5000,10000,20000,40000")
    p.add_argument("--qos", type=int, choices=(0, 1), default=1)
    p.add_argument("--burst", type=int, default=1, help="messages per publisher write")
    p = sub.add_parser("idle")
    p.add_argument("--stages", default="1000,2500,5000")
    p = sub.add_parser("flood")
    p.add_argument("--qos", type=int, choices=(0, 1), default=0)
    p.add_argument("--publishers", type=int, default=1)
    sub.add_parser("ceiling")
    args = parser.parse_args(argv)
    raise_nofile()
    login = Login(args.username, args.password)
    probe = Probe(args.server_pid)
    result: Any
    if args.mode == "single":
        result = run(scenario_single(args.port, login, args.qos, args.seconds, probe, args.window))
    elif args.mode == "fanout":
        result = run(
            scenario_fanout(args.port, login, args.qos, args.subscribers, args.seconds, probe)
        )
    elif args.mode == "feeds":
        rates = [float(r) for r in args.rates.split(",")]

        def show(w: Window) -> None:
            if not args.json:
                print(window_line(w), flush=True)

        result = run(
            scenario_feeds(
                args.port,
                login,
                args.publishers,
                rates,
                args.seconds,
                probe,
                args.qos,
                on_step=show,
                burst=args.burst,
            )
        )
        if not args.json:
            return
    elif args.mode == "flood":
        result = run(
            scenario_flood(args.port, login, args.qos, args.seconds, probe, args.publishers)
        )
    elif args.mode == "idle":
        stages = [int(s) for s in args.stages.split(",")]
        result = run(scenario_idle(args.port, login, stages, args.server_pid))
    else:
        result = run(ceiling(args.seconds))
    if args.json:
        print(json.dumps(_plain(result), indent=1))
    elif isinstance(result, Window):
        print(window_line(result))
    elif isinstance(result, list):
        for r in result:
            print(asdict(r))
    else:
        for k, v in result.items():
            print(f"{k:<28} {v:>14,.0f}")


def _plain(result: Any) -> Any:
    if isinstance(result, list):
        return [asdict(r) for r in result]
    if isinstance(result, Window | IdleStage):
        return asdict(result)
    return result


def window_line(w: Window) -> str:
    extra = " ".join(f"{k}={v:,.1f}" for k, v in w.stats.items())
    return (
        f"{w.label}: sent {fmt(w.sent_rate)}/s delivered {fmt(w.delivered_rate)}/s "
        f"p50 {fmt(w.p50_ms, 2)} ms p99 {fmt(w.p99_ms, 2)} ms max {fmt(w.max_ms, 1)} ms "
        f"received {w.total_received:,}/{w.total_expected:,} "
        + (f"acked {w.total_acked:,}/{w.total_sent:,} " if w.total_acked else "")
        + f"skipped {w.skipped} "
        f"untimed {w.untimed} lost-conns {w.lost_connections}"
        f"{' SATURATED' if w.saturated else ''}{'' if w.drained else ' NOT-DRAINED'} {extra}"
    )


if __name__ == "__main__":
    main()
