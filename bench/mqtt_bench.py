"""MQTT benchmark: the same load against Mosquitto and against Stonechat, side by side.

Starts each broker on free ports (a fresh process for every scenario), drives it with the
load generator in ``bench/mqtt_load.py`` (asyncio + uvloop, raw sockets; this process) and
prints a Markdown table with both numbers and the ratio Stonechat / Mosquitto.

    .venv/bin/python bench/mqtt_bench.py                       # everything (~8 min)
    .venv/bin/python bench/mqtt_bench.py --broker mosquitto --scenarios b --seconds 5
    .venv/bin/python bench/mqtt_bench.py --broker stonechat --backend postgresql --scenarios a
    .venv/bin/python bench/mqtt_bench.py --scenarios a --publishers 100 --rates 500,1000

Scenarios (``--scenarios a,b,c,d``; run in the order d, b, c, a, each on a fresh broker):

a. ``--publishers`` (1,000) authenticated publishers and as many subscribers; publisher i
   publishes QoS 1 to ``{username}/feeds/bench-{i}``, subscriber i subscribes to it at QoS 1
   (on Stonechat every message is a stored data point: counted over REST at the end).
   Warm-up: one message per topic (Stonechat creates the feeds), then 5 s at the first
   rate, not measured. The total offered rate then ramps through ``--rates``, each for
   ``--seconds``, paced in 2 ms ticks; each step reports delivered msg/s, latency p50/p99,
   server CPU and RSS, and server (+ database) CPU µs per delivered message. A step is
   *saturated* when delivered < 95% of offered or p99 > 100 ms; the ramp goes on past a
   p99-only saturation and stops after a step that did not keep up (delivered < 95%, or
   its backlog not delivered within 15 s).
b. One publisher and one subscriber on ``{username}/bench/x``, QoS 0 and QoS 1: the most
   msg/s (closed loop: at most ``--window`` messages in flight, so latency there is queueing).
c. One publisher, ``--fanout`` (100) subscribers of ``{username}/bench/fanout``, QoS 0 and 1:
   deliveries/s (closed loop, 50 messages in flight).
d. Idle connections opened up to each of ``--idle-stages`` (1,000, 2,500, 5,000), 64
   CONNECTs in flight: connects/s and broker RSS growth per connection, per stage, to show
   whether it stays flat.

Every connection is MQTT 3.1.1 (level 4), clean session, keep-alive 60 s (a PINGREQ every
30 s), user name and password set, client id ``sb<8 hex><role><n>`` (at most 23
characters); one SUBSCRIBE (packet id 1, one filter) per subscriber. Payloads are 10 ASCII
digits (the send time); a broker must deliver them unchanged for latency to be measured.

Mosquitto (``/usr/sbin/mosquitto``, Debian) gets a temporary config: ``listener PORT
127.0.0.1``, ``allow_anonymous true``, ``persistence false``, ``max_queued_messages
1000000``, ``max_connections -1`` and otherwise its defaults (``max_inflight_messages 20``,
``set_tcp_nodelay false``).

Stonechat is ``stonechat serve`` (tests/support.py ``Server``) with ``--backend sqlite``
and/or ``postgresql`` (a fresh database on the local PostgreSQL, ``STONECHAT_TEST_PG`` as
in the tests, dropped afterwards), one user made with ``Server.create_user()`` (MQTT user
name = username, password = key), with the data rate unlimited
(``STONECHAT_DATA_RATE_LIMIT=0``) and bans off (``STONECHAT_BANS=false``: a thousand clients
connect as one user); ``--server-env NAME=VALUE`` adds settings. If its MQTT
port does not accept an authenticated CONNECT, its column says "not available". After
scenario a the stored points are counted over REST (feed details).

CPU is utime+stime from /proc/<pid>/stat over the measured window, 100% = one core:
"server" is the broker's process tree, "db" the PostgreSQL backends serving the run's
database, "generator" this process, "other" the rest of the machine (noise: if it is
high, the numbers are not worth much). A generator CPU near 100% means the generator, not
the broker, was the limit. The load average is printed with the table.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import mqtt_load as ml  # noqa: E402
from support import (  # noqa: E402
    Server,
    create_pg_database,
    drop_pg_database,
    free_port,
    postgres_available,
)

MOSQUITTO = "/usr/sbin/mosquitto"
ORDER = "dbca"
NOT_RUN = "—"
NO_RATIO = ("generator CPU", "other CPU", "points", "closed by")  # rows where a ratio means nothing


# --------------------------------------------------------------------------- brokers


@dataclass
class Target:
    """A running broker the load is pointed at."""

    name: str
    port: int
    pid: int | None
    login: ml.Login
    extra_pids: Callable[[], list[int]] | None = None
    http_base: str | None = None  # Stonechat's REST API, to count stored points

    def probe(self) -> ml.Probe:
        return ml.Probe(self.pid, self.extra_pids)


class Unavailable(Exception):
    """The broker could not be started or does not accept MQTT connections."""


def wait_port(port: int, proc: subprocess.Popen[bytes], wait_s: float = 10) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Unavailable(f"exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((ml.HOST, port), 0.2):
            return
        time.sleep(0.05)
    raise Unavailable(f"port {port} not open after {wait_s:.0f}s")


@contextlib.contextmanager
def mosquitto(owner: str) -> Iterator[Target]:
    """A Mosquitto on a free port with a temporary config."""
    tmp = Path(tempfile.mkdtemp(prefix="mqtt-bench-mosquitto-"))
    port = free_port()
    conf = tmp / "mosquitto.conf"
    conf.write_text(
        f"listener {port} {ml.HOST}\n"
        "allow_anonymous true\n"
        "persistence false\n"
        "max_queued_messages 1000000\n"
        "max_connections -1\n"
        # set_tcp_nodelay stays at its default (false): true halved Mosquitto's scenario b
        # rate here (one TCP segment per packet) and did not improve scenario a
        "log_type error\n"
        "log_type warning\n"
    )
    os.chmod(tmp, 0o755)  # started as root, mosquitto drops to its own user
    os.chmod(conf, 0o644)
    log = (tmp / "mosquitto.log").open("wb")
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(port, proc)
        # any user name is accepted (allow_anonymous, no password file); the Stonechat user
        # name is sent so that topics and packets have the same sizes on both brokers
        yield Target("Mosquitto", port, proc.pid, ml.Login(owner, "x" * 32))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def pg_backends(database_url: str) -> Callable[[], list[int]]:
    """PostgreSQL backend processes serving ``database_url`` (their title names the db)."""
    name = database_url.rsplit("/", 1)[1].encode()

    def find() -> list[int]:
        out = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if cmd.startswith(b"postgres: ") and b" " + name + b" " in cmd:
                out.append(int(entry))
        return out

    return find


@contextlib.contextmanager
def stonechat(backend: str, env: dict[str, str]) -> Iterator[Target]:
    """``stonechat serve`` on free ports with a fresh database and one user."""
    database_url = create_pg_database() if backend == "postgresql" else None
    data_dir = Path(tempfile.mkdtemp(prefix=f"mqtt-bench-stonechat-{backend}-"))
    server = Server(backend, data_dir, database_url, free_port(), free_port())
    server.extra_env.update(env)
    try:
        try:
            server.start(timeout=90)
        except RuntimeError as e:
            raise Unavailable(f"server did not start: {str(e).splitlines()[0]}") from e
        username, key = server.create_user("bench")
        login = ml.Login(username, key)
        assert server.process is not None
        target = Target(
            f"Stonechat ({'PostgreSQL' if database_url else 'SQLite'})",
            server.mqtt_port,
            server.process.pid,
            login,
            pg_backends(database_url) if database_url else None,
            f"{server.base_url}/api/v2/{username}",
        )
        check_mqtt(target)
        try:
            yield target
        except Exception:
            tail = server.log().splitlines()[-15:]
            print("\n".join(["  server log (last lines):", *tail]), file=sys.stderr)
            raise
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        if database_url:
            drop_pg_database(database_url)


def check_mqtt(target: Target) -> None:
    """Raise Unavailable unless an authenticated CONNECT gets CONNACK 0."""

    async def go() -> None:
        conn = await ml.open_conn(target.port, ml.Counters(), ml.client_prefix("c"), target.login)
        conn.close()

    try:
        ml.run(go())
    except ml.ConnectRefused as e:
        raise Unavailable(f"MQTT CONNECT refused ({e})") from e
    except (OSError, TimeoutError) as e:
        raise Unavailable(f"MQTT port {target.port} does not answer ({e!r})") from e


# --------------------------------------------------------------------------- scenarios


@dataclass
class Options:
    seconds: float
    publishers: int
    rates: list[float]
    fanout: int
    window: int | None
    idle_stages: list[int]
    burst: int = 1


def run_scenario(key: str, target: Target, opt: Options, out: dict[str, Any]) -> None:
    """One scenario against one broker; fills ``out`` with plain data for the tables as it
    goes, so that what was measured before a failure is kept."""
    login = target.login
    if key == "a":
        out["steps"] = []

        def show(w: ml.Window) -> None:
            out["steps"].append(asdict(w))
            print(f"  {target.name}: {ml.window_line(w)}", file=sys.stderr, flush=True)

        steps = ml.run(
            ml.scenario_feeds(
                target.port,
                login,
                opt.publishers,
                opt.rates,
                opt.seconds,
                target.probe(),
                on_step=show,
                burst=opt.burst,
            )
        )
        if steps:
            out["published"] = steps[-1].total_sent
            out["delivered"] = steps[-1].total_received
        if target.http_base and steps:
            try:
                out["stored"] = stored_points(target, opt.publishers)
            except (httpx.HTTPError, KeyError, ValueError) as e:  # keep the steps
                out["stored"] = f"error ({type(e).__name__})"
            print(
                f"  {target.name}: stored {out['stored']} of {out['published']}",
                file=sys.stderr,
            )
        return
    if key == "b":
        for qos in (0, 1):
            w = ml.run(
                ml.scenario_single(target.port, login, qos, opt.seconds, target.probe(), opt.window)
            )
            print(f"  {target.name}: {ml.window_line(w)}", file=sys.stderr, flush=True)
            out[f"qos{qos}"] = asdict(w)
        return
    if key == "c":
        for qos in (0, 1):
            w = ml.run(
                ml.scenario_fanout(target.port, login, qos, opt.fanout, opt.seconds, target.probe())
            )
            print(f"  {target.name}: {ml.window_line(w)}", file=sys.stderr, flush=True)
            out[f"qos{qos}"] = asdict(w)
        return
    if key == "d":
        stages = ml.run(ml.scenario_idle(target.port, login, opt.idle_stages, target.pid))
        for s in stages:
            print(f"  {target.name}: idle {asdict(s)}", file=sys.stderr, flush=True)
        out["stages"] = [asdict(s) for s in stages]
        return
    raise ValueError(key)


def stored_points(target: Target, feeds: int) -> int:
    """Data points in feeds bench-0.. (REST feed details), after scenario a."""
    assert target.http_base and target.login.password
    total = 0
    headers = {"X-AIO-Key": target.login.password}
    # after an overloaded step the server may still be writing its backlog: long timeout
    with httpx.Client(base_url=target.http_base, headers=headers, timeout=120) as client:
        for i in range(feeds):
            r = client.get(f"/feeds/bench-{i}/details")
            if r.status_code == 404:
                continue
            r.raise_for_status()
            total += int(r.json()["details"]["data"]["count"])
    return total


@dataclass
class Column:
    """All results of one broker: scenario -> data, or a reason it has none."""

    name: str
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    unavailable: str | None = None


def run_broker(
    name: str,
    start: Callable[[], contextlib.AbstractContextManager[Target]],
    scenarios: str,
    opt: Options,
) -> Column:
    col = Column(name)
    for key in scenarios:
        print(f"[{name}] scenario {key}", file=sys.stderr, flush=True)
        out: dict[str, Any] = {}
        try:
            with start() as target:
                col.name = target.name
                run_scenario(key, target, opt, out)
                col.results[key] = out
        except Unavailable as e:
            col.unavailable = str(e)
            print(f"[{name}] not available: {e}", file=sys.stderr, flush=True)
            return col
        except Exception as e:
            col.errors[key] = f"{type(e).__name__}: {e}"
            if out:
                col.results[key] = out  # what was measured before the failure
            print(f"[{name}] scenario {key} failed: {e!r}", file=sys.stderr, flush=True)
    return col


# --------------------------------------------------------------------------- tables


def num(v: float | str | None, digits: int) -> str:
    if v is None:
        return NOT_RUN
    if isinstance(v, str):
        return v
    return f"{v:,.{digits}f}"


def cell_for(col: Column, key: str) -> str | None:
    """The text of a cell a column has no number for, or None when it has data."""
    if col.unavailable is not None:
        return "not available"
    if key in col.results:
        return None
    if key in col.errors:
        return "error"
    return NOT_RUN


Path_ = tuple[str | int | float, ...]
Getter = Path_ | Callable[[dict[str, Any]], float | str]


def dig(data: Any, path: Path_) -> Any:
    """Follow ``path`` into results: keys of dicts, indexes of lists, and a float picks the
    step of scenario a with that target rate."""
    for key in path:
        if isinstance(key, float):
            data = next(s for s in data if s["target_rate"] == key)
        else:
            data = data[key]
    return data


def rows_for(cols: list[Column], opt: Options) -> list[tuple[str, int, list[float | str | None]]]:
    """(label, digits, one value per column)."""
    rows: list[tuple[str, int, list[float | str | None]]] = []

    def add(key: str, label: str, digits: int, get: Getter) -> None:
        vals: list[float | str | None] = []
        for c in cols:
            text = cell_for(c, key)
            if text is not None:
                vals.append(text)
                continue
            try:
                vals.append(get(c.results[key]) if callable(get) else dig(c.results[key], get))
            except (KeyError, IndexError, TypeError, StopIteration):
                vals.append(None)
        rows.append((label, digits, vals))

    def has(key: str) -> bool:
        return any(key in c.results or key in c.errors for c in cols)

    if has("a"):
        n = opt.publishers
        pg = any(c.name.endswith("(PostgreSQL)") for c in cols)
        for rate in opt.rates:
            pre = f"a. {n:,}+{n:,} feeds, QoS 1, offered {rate:,.0f}/s:"
            add("a", f"{pre} delivered msg/s", 0, ("steps", rate, "delivered_rate"))
            add("a", f"{pre} p50 ms", 2, ("steps", rate, "p50_ms"))
            add("a", f"{pre} p99 ms", 2, ("steps", rate, "p99_ms"))
            add("a", f"{pre} server CPU %", 0, ("steps", rate, "stats", "server_cpu_pct"))
            if pg:
                add("a", f"{pre} db CPU %", 0, ("steps", rate, "stats", "db_cpu_pct"))
            add("a", f"{pre} server CPU µs per delivered msg", 0, functools.partial(cpu_per, rate))
            add("a", f"{pre} server RSS MB", 1, ("steps", rate, "stats", "server_rss_mb"))
            add("a", f"{pre} generator CPU %", 0, ("steps", rate, "stats", "gen_cpu_pct"))
            add("a", f"{pre} other CPU %", 0, ("steps", rate, "stats", "other_cpu_pct"))
        add("a", "a. saturates at offered msg/s", 0, saturation)
        add("a", "a. best delivered msg/s", 0, best_delivered)
        add("a", "a. points published (all steps, incl. warm-up)", 0, ("published",))
        add("a", "a. points delivered to subscribers", 0, ("delivered",))
        add("a", "a. points stored (REST feed details)", 0, ("stored",))
    for key, title in (("b", "b. 1 pub -> 1 sub"), ("c", f"c. 1 pub -> {opt.fanout} subs")):
        if not has(key):
            continue
        what = "msg/s" if key == "b" else "deliveries/s"
        for qos in ("qos0", "qos1"):
            pre = f"{title}, QoS {qos[-1]}:"
            add(key, f"{pre} {what}", 0, (qos, "delivered_rate"))
            add(key, f"{pre} p50 ms (full window)", 1, (qos, "p50_ms"))
            add(key, f"{pre} p99 ms (full window)", 1, (qos, "p99_ms"))
            add(key, f"{pre} server CPU %", 0, (qos, "stats", "server_cpu_pct"))
            add(key, f"{pre} generator CPU %", 0, (qos, "stats", "gen_cpu_pct"))
            add(key, f"{pre} other CPU %", 0, (qos, "stats", "other_cpu_pct"))
    if has("d"):
        for i, n in enumerate(opt.idle_stages):
            pre = f"d. idle, {n:,} connections:"
            add("d", f"{pre} connects/s (this stage)", 0, ("stages", i, "connects_per_s"))
            add("d", f"{pre} RSS MB", 1, ("stages", i, "rss_mb"))
            add("d", f"{pre} KB per connection", 1, ("stages", i, "rss_per_conn_kb"))
            add("d", f"{pre} KB per connection, this stage", 1, ("stages", i, "stage_kb_per_conn"))
            add(
                "d", f"{pre} connections closed by the broker", 0, ("stages", i, "lost_connections")
            )
    return rows


def cpu_per(rate: float, r: dict[str, Any]) -> float:
    """Server (and database) CPU time per delivered message in one step, in µs: the cost
    that decides how far one core goes, less noisy than the saturation point."""
    step = dig(r, ("steps", rate))
    stats = step["stats"]
    cpu = stats["server_cpu_pct"] + (stats.get("db_cpu_pct") or 0)
    return cpu / 100 / step["delivered_rate"] * 1e6


def best_delivered(r: dict[str, Any]) -> float:
    return max(float(s["delivered_rate"]) for s in r["steps"])


def saturation(r: dict[str, Any]) -> float | str:
    for s in r["steps"]:
        if s["saturated"]:
            return float(s["target_rate"])
    return f"> {r['steps'][-1]['target_rate']:,.0f}"


def table(cols: list[Column], opt: Options) -> str:
    """Markdown: one row per metric, a column per broker and a ratio column per Stonechat."""
    base = 0 if cols and cols[0].name == "Mosquitto" else None
    header = ["metric"]
    for i, c in enumerate(cols):
        header.append(c.name)
        if base is not None and i != base:
            header.append("ratio")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, digits, vals in rows_for(cols, opt):
        cells = [label]
        for i, v in enumerate(vals):
            cells.append(num(v, digits))
            if base is not None and i != base:
                b = vals[base]
                if any(x in label for x in NO_RATIO):
                    cells.append("")
                elif isinstance(v, float | int) and isinstance(b, float | int) and b:
                    cells.append(f"{v / b:.2f}")
                else:
                    cells.append(NOT_RUN)
        lines.append("| " + " | ".join(cells) + " |")
    notes = []
    for c in cols:
        if c.unavailable:
            notes.append(f"* {c.name}: not available — {c.unavailable}")
        for key, err in c.errors.items():
            notes.append(f"* {c.name}, scenario {key}: {err}")
    return "\n".join(lines + (["", *notes] if notes else []))


# --------------------------------------------------------------------------- main


def parse_env(items: list[str]) -> dict[str, str]:
    env = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--server-env wants NAME=VALUE, got {item!r}")
        env[name] = value
    return env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--broker", choices=("mosquitto", "stonechat", "both"), default="both")
    parser.add_argument("--scenarios", default="a,b,c,d")
    parser.add_argument("--backend", default="sqlite,postgresql", help="sqlite, postgresql")
    parser.add_argument("--seconds", type=float, default=10, help="per measured window")
    parser.add_argument("--publishers", type=int, default=1000)
    parser.add_argument("--rates", default="2000,5000,10000,20000,40000")
    parser.add_argument("--fanout", type=int, default=100)
    parser.add_argument(
        "--window", type=int, help="scenario b in flight (default 10,000 QoS 0, 1,000 QoS 1)"
    )
    parser.add_argument("--idle-stages", default="1000,2500,5000")
    parser.add_argument(
        "--burst", type=int, default=1, help="scenario a: messages per publisher write"
    )
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--workers",
        default="1",
        help="comma-separated Stonechat worker counts; more than 1 is PostgreSQL + Redis only",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()

    wanted = {s.strip() for s in args.scenarios.split(",") if s.strip()}
    if not wanted <= set(ORDER):
        parser.error(f"unknown scenarios: {sorted(wanted - set(ORDER))}")
    scenarios = "".join(k for k in ORDER if k in wanted)
    opt = Options(
        seconds=args.seconds,
        publishers=args.publishers,
        rates=[float(r) for r in args.rates.split(",")],
        fanout=args.fanout,
        window=args.window,
        idle_stages=[int(s) for s in args.idle_stages.split(",")],
        burst=args.burst,
    )
    need = 2 * max([*opt.idle_stages, 2 * opt.publishers, opt.fanout + 1]) + 1000
    nofile = ml.raise_nofile(need)  # inherited by the brokers started below
    if nofile < need:
        print(f"warning: RLIMIT_NOFILE is {nofile}, {need} wanted", file=sys.stderr)
    # Unlimited (0) and no bans: the tests' Server defaults, spelled out for the reader.
    env = {
        "STONECHAT_DATA_RATE_LIMIT": "0",
        "STONECHAT_BANS": "false",
        "STONECHAT_LOG_LEVEL": "warning",
    }
    env.update(parse_env(args.server_env))

    # the Stonechat user name is made per server; Mosquitto gets one of the same length
    owner = "bench" + "0" * 10
    cols: list[Column] = []
    if args.broker in ("mosquitto", "both"):
        if not os.access(MOSQUITTO, os.X_OK):
            sys.exit(f"{MOSQUITTO} is needed: apt-get install -y mosquitto")
        cols.append(run_broker("Mosquitto", lambda: mosquitto(owner), scenarios, opt))
    if args.broker in ("stonechat", "both"):
        for backend in args.backend.split(","):
            backend = backend.strip()
            label = f"Stonechat ({'PostgreSQL' if backend == 'postgresql' else 'SQLite'})"
            if backend == "postgresql" and not postgres_available():
                cols.append(Column(label, unavailable="PostgreSQL is not running"))
                continue
            if backend not in ("sqlite", "postgresql"):
                parser.error(f"unknown backend {backend!r}")
            for workers in (int(w) for w in args.workers.split(",")):
                if workers == 1:
                    run_env, name = env, label
                elif backend == "postgresql":  # the supervisor and its workers, on Redis
                    run_env = env | {
                        "STONECHAT_WORKERS": str(workers),
                        "STONECHAT_REDIS_URL": args.redis_url,
                        "STONECHAT_REDIS_PREFIX": f"bench-{os.getpid()}-{workers}",
                    }
                    name = f"{label[:-1]}, {workers} workers)"
                else:
                    continue
                cols.append(
                    run_broker(name, functools.partial(stonechat, backend, run_env), scenarios, opt)
                )

    load = os.getloadavg()
    print(
        f"\nMQTT benchmark, {platform.node()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()} + uvloop, window {opt.seconds:g} s, load average "
        f"{load[0]:.2f} at the end; ratio = Stonechat / Mosquitto\n"
    )
    print(table(cols, opt))
    if args.json:
        args.json.write_text(json.dumps([asdict(c) for c in cols], indent=1))


if __name__ == "__main__":
    main()
