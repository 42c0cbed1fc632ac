"""The Eclipse Paho MQTT interoperability suite against Mosquitto and against Stonechat.

The suite (github.com/eclipse/paho.mqtt.testing, folder ``interoperability/``) is not part
of this repository: point ``--suite`` at a checkout of that folder. Its ``client_test.py``
(MQTT 3.1.1) and ``client_test5.py`` (MQTT 5) are run test by test, each test in its own
process with a time limit (``--timeout``), so that one hanging or failing test does not
stop the others, against Mosquitto and against Stonechat (both at once, unless
``--one-at-a-time``); a Markdown table compares the two.

    .venv/bin/python bench/paho_interop.py --suite /path/to/paho.mqtt.testing/interoperability
    .venv/bin/python bench/paho_interop.py --suite ... --broker stonechat --versions 5.0 \\
        --tests test_shared_subscriptions,test_subscribe_options --logs /tmp/paho-logs

How the suite is pointed at a broker. Nothing in the suite is edited: a child process
imports the suite's module and, before running one of its tests,

- sets the module's ``host``/``port`` globals (the suite's own ``--hostname``/``--port``
  options set the same globals) and its topic globals, as the suite's own ``__main__`` of
  ``client_test5.py`` does with its ``topic_prefix``: every topic and filter gets the prefix
  ``{username}/`` (``TopicA`` -> ``alice/TopicA``, ``/TopicA`` -> ``alice//TopicA``,
  ``+/+`` -> ``alice/+/+``, ``#`` -> ``alice/#``), so that on Stonechat everything is inside
  the user's free-form namespace, and the shared subscription is
  ``$share/sharename/{username}/x``. ``client_test5.py``'s ``setData()``, which its
  ``setUpClass`` calls to reset the topics to unprefixed ones, is replaced by a no-op;
- leaves the nosubscribe filter ``test/nosubscribe`` (``test_subscribe_failure``) as it is:
  it is meant to be a filter the broker refuses, and a filter outside the user's namespace
  is what Stonechat refuses by design. (Mosquitto 2.0 grants every subscription whatever
  its ACL file says, the ACL only filters what is delivered, so it gets no ACL);
- gives the suite's client classes (``mqtt.clients.V311.Client``, ``mqtt.clients.V5.Client``)
  a user name and password on every ``connect()`` through their own ``username``/``password``
  arguments, and turns the one literal root filter ``#`` the suite's clean-up functions
  subscribe to (to delete retained messages) into ``{username}/#``.

The same prefix, user name and password are used on both brokers (Mosquitto runs with
``allow_anonymous true`` and no password file, so it accepts any), so the two columns differ
only by the broker. ``test_dollar_topics`` publishes to ``$`` + a topic: with the prefix that
is ``$alice/...``, outside the namespace, and a filter ``alice/+/+`` cannot match it whatever
the ``$`` rule says; the test is run but marked as not meaningful in a per-user namespace.

Mosquitto: ``/usr/sbin/mosquitto`` with a temporary config (``listener PORT 127.0.0.1``,
``allow_anonymous true``, ``persistence false``). Stonechat: ``stonechat
serve`` (tests/support.py ``Server``, SQLite, or ``--backend postgresql`` on a fresh database)
with one user from ``Server.create_user()``; data rate unlimited and bans off, as in the tests
(the suite reconnects often). A fresh broker serves each suite (3.1.1, 5.0).

Each test's output (the suite prints tracebacks for its failures) and each broker's log are
kept under ``--logs``; the table's last column shows the first error line of each failure.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from mqtt_bench import Unavailable, wait_port  # noqa: E402  (the same start-up checks)

MOSQUITTO = "/usr/sbin/mosquitto"
HOST = "127.0.0.1"
SUITES = {"3.1.1": "client_test", "5.0": "client_test5"}
# the suite's topic globals (client_test.py __main__, client_test5.py setData), unprefixed
TOPICS = ("TopicA", "TopicA/B", "Topic/C", "TopicA/C", "/TopicA")
WILDTOPICS = ("TopicA/+", "+/C", "#", "/#", "/+", "+/+", "TopicA/#")
NOSUBSCRIBE = ("test/nosubscribe",)
# what a result means beyond pass/fail, by (version, test); "*" = every version
NOTES = {
    ("*", "test_dollar_topics"): (
        "not meaningful in a per-user namespace: it publishes to `$` + a prefixed topic "
        "(`$alice/TopicA/B`), outside the namespace, and `alice/+/+` cannot match that "
        "whatever the `$` rule [MQTT-4.7.2-1] says"
    ),
    ("*", "test_subscribe_failure"): (
        "the filter is `test/nosubscribe`, outside the user's namespace (not prefixed)"
    ),
    ("5.0", "test_zero_length_clientid"): "asserts nothing: the suite only logs its failures",
}


def note_for(version: str, test: str) -> str:
    return NOTES.get((version, test)) or NOTES.get(("*", test), "")


# --------------------------------------------------------------------------- child process


def run_child(spec: dict[str, Any]) -> None:
    """Run one test of the suite in this process (started by ``run_test``) and exit 0/1."""
    sys.path.insert(0, spec["suite"])
    os.chdir(spec["suite"])
    module: Any = importlib.import_module(spec["module"])
    prefix: str = spec["prefix"]
    globals_ = {
        "host": HOST,
        "port": spec["port"],
        "topics": [prefix + t for t in TOPICS],
        "wildtopics": [prefix + t for t in WILDTOPICS],
        "nosubscribe_topics": NOSUBSCRIBE,
        "topic_prefix": prefix,
    }
    for name, value in globals_.items():
        setattr(module, name, value)
    if hasattr(module, "setData"):  # client_test5: setUpClass would reset the topics
        module.setData = lambda: None

    client_class: Any = module.mqtt_client.Client
    connect, subscribe = client_class.connect, client_class.subscribe
    username, password = spec["username"], spec["password"].encode()

    def connect_as_user(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("username", username)
        kwargs.setdefault("password", password)
        return connect(self, *args, **kwargs)

    def subscribe_in_namespace(self: Any, topics: list[str], *args: Any, **kwargs: Any) -> Any:
        # only the clean-up functions subscribe to a literal "#" (every test filter is prefixed)
        topics = [prefix + "#" if t == "#" else t for t in topics]
        return subscribe(self, topics, *args, **kwargs)

    client_class.connect = connect_as_user
    client_class.subscribe = subscribe_in_namespace

    suite = unittest.defaultTestLoader.loadTestsFromName(f"Test.{spec['test']}", module)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    sys.stdout.flush()
    sys.stderr.flush()
    # the suite's receiver threads may still be blocked on their sockets
    os._exit(0 if result.wasSuccessful() and result.testsRun == 1 else 1)


# --------------------------------------------------------------------------- brokers


@dataclass
class Broker:
    """A running broker the suite is pointed at."""

    name: str
    port: int
    username: str
    password: str
    log: Callable[[], str] = field(repr=False, default=lambda: "")


@contextlib.contextmanager
def mosquitto(username: str) -> Iterator[Broker]:
    """A Mosquitto on a free port with a temporary config."""
    from support import free_port

    tmp = Path(tempfile.mkdtemp(prefix="paho-interop-mosquitto-"))
    port = free_port()
    conf = tmp / "mosquitto.conf"
    conf.write_text(
        f"listener {port} {HOST}\n"
        "allow_anonymous true\n"
        "persistence false\n"
        "log_type error\n"
        "log_type warning\n"
    )
    os.chmod(tmp, 0o755)  # started as root, mosquitto drops to its own user
    os.chmod(conf, 0o644)
    log_path = tmp / "mosquitto.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(port, proc)
        yield Broker("Mosquitto", port, username, "x" * 32, lambda: log_path.read_text())
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def stonechat(backend: str) -> Iterator[Broker]:
    """``stonechat serve`` on free ports with a fresh database and one user."""
    from support import Server, create_pg_database, drop_pg_database, free_port

    database_url = create_pg_database() if backend == "postgresql" else None
    data_dir = Path(tempfile.mkdtemp(prefix=f"paho-interop-stonechat-{backend}-"))
    server = Server(backend, data_dir, database_url, free_port(), free_port())
    server.extra_env["STONECHAT_LOG_LEVEL"] = "warning"
    try:
        try:
            server.start(timeout=90)
        except RuntimeError as e:
            raise Unavailable(f"server did not start: {str(e).splitlines()[0]}") from e
        username, key = server.create_user("paho")
        label = "PostgreSQL" if database_url else "SQLite"
        yield Broker(f"Stonechat ({label})", server.mqtt_port, username, key, server.log)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        if database_url:
            drop_pg_database(database_url)


# --------------------------------------------------------------------------- running


@dataclass
class Outcome:
    """One test on one broker."""

    status: str  # "pass", "fail", "timeout", "not run"
    seconds: float = 0.0
    error: str = ""


OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")
ERROR_LINE = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|timeout)\b.*$", re.M)


def first_error(output: str) -> str:
    """The first exception line of a test's output: the suite often catches an exception,
    prints its traceback and then fails with a bare ``False != True``."""
    lines = [m.group(0).strip() for m in ERROR_LINE.finditer(output)]
    lines = [line for line in lines if not line.startswith("AssertionError: False != True")]
    line = OBJECT_REPR.sub("…", lines[0]) if lines else ""
    return line if len(line) <= 120 else line[:119] + "…"


def test_names(suite: Path, module: str) -> list[str]:
    """The suite's test methods in unittest's order (sorted names starting with ``test``)."""
    tree = ast.parse((suite / f"{module}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Test":
            return sorted(
                item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test")
            )
    raise SystemExit(f"no class Test in {suite / module}.py")


def run_test(
    suite: Path, module: str, test: str, broker: Broker, timeout: float, logs: Path
) -> Outcome:
    spec = {
        "suite": str(suite),
        "module": module,
        "test": test,
        "port": broker.port,
        "prefix": broker.username + "/",
        "username": broker.username,
        "password": broker.password,
    }
    log_path = logs / f"{broker.name.split()[0].lower()}-{module}-{test}.log"
    started = time.monotonic()
    with log_path.open("w+") as log:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
        log.seek(0)
        output = log.read()
    seconds = time.monotonic() - started
    if code == 0:
        return Outcome("pass", seconds)
    status = "timeout" if code is None else "fail"
    error = first_error(output) or (f"no result within {timeout:g} s" if code is None else "")
    return Outcome(status, seconds, error)


@dataclass
class Column:
    broker: str
    results: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    unavailable: str = ""


def run_broker(
    name: str,
    start: Callable[[], contextlib.AbstractContextManager[Broker]],
    suite: Path,
    plan: dict[str, list[str]],
    timeout: float,
    logs: Path,
) -> Column:
    column = Column(name)
    for version, tests in plan.items():
        module = SUITES[version]
        try:
            with start() as broker:
                column.broker = broker.name
                for test in tests:
                    outcome = run_test(suite, module, test, broker, timeout, logs)
                    column.results[(version, test)] = outcome
                    print(
                        f"  {broker.name} {version} {test}: {outcome.status} "
                        f"({outcome.seconds:.1f} s) {outcome.error}",
                        file=sys.stderr,
                        flush=True,
                    )
                server_log = logs / f"{broker.name.split()[0].lower()}-{module}-broker.log"
                server_log.write_text(broker.log())
        except Unavailable as e:
            column.unavailable = str(e)
            print(f"  {name}: not available ({e})", file=sys.stderr)
            return column
    return column


# --------------------------------------------------------------------------- report


def cell(outcome: Outcome | None) -> str:
    return "—" if outcome is None else outcome.status


def table(cols: list[Column], plan: dict[str, list[str]]) -> str:
    names = [
        c.broker + (f" (not available: {c.unavailable})" if c.unavailable else "") for c in cols
    ]
    lines = [
        "| suite | test | " + " | ".join(names) + " | note |",
        "| --- | --- | " + " | ".join("---" for _ in cols) + " | --- |",
    ]
    for version, tests in plan.items():
        for test in tests:
            outcomes = [c.results.get((version, test)) for c in cols]
            notes = [note_for(version, test)]
            notes += [
                f"{c.broker.split()[0]}: `{o.error}`"
                for c, o in zip(cols, outcomes, strict=True)
                if o is not None and o.status != "pass" and o.error
            ]
            note = "; ".join(n for n in notes if n).replace("|", "\\|")
            row = " | ".join(cell(o) for o in outcomes)
            lines.append(f"| {version} | {test} | {row} | {note} |")
    for version, tests in plan.items():
        totals = []
        for c in cols:
            passed = sum(
                1 for t in tests if (o := c.results.get((version, t))) and o.status == "pass"
            )
            totals.append(f"**{passed}/{len(tests)}**")
        lines.append(f"| {version} | total | " + " | ".join(totals) + " | |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        run_child(json.loads(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--suite", type=Path, required=True, help="the interoperability/ folder of the suite"
    )
    parser.add_argument("--broker", choices=("mosquitto", "stonechat", "both"), default="both")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--versions", default="3.1.1,5.0", help="3.1.1, 5.0")
    parser.add_argument("--tests", default="", help="comma-separated test names (default all)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per test")
    parser.add_argument(
        "--one-at-a-time", action="store_true", help="one broker after the other (slower)"
    )
    parser.add_argument("--logs", type=Path, help="keep each test's output here")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    suite = args.suite.resolve()
    plan: dict[str, list[str]] = {}
    only = {t.strip() for t in args.tests.split(",") if t.strip()}
    for version in (v.strip() for v in args.versions.split(",") if v.strip()):
        if version not in SUITES:
            parser.error(f"unknown version {version!r} (3.1.1, 5.0)")
        if not (suite / f"{SUITES[version]}.py").is_file():
            parser.error(f"{suite} has no {SUITES[version]}.py")
        names = test_names(suite, SUITES[version])
        plan[version] = [n for n in names if not only or n in only]
    logs = args.logs or Path(tempfile.mkdtemp(prefix="paho-interop-logs-"))
    logs.mkdir(parents=True, exist_ok=True)

    # the Stonechat user name is made per server; Mosquitto gets one of the same shape
    owner = "paho" + "0" * 10
    starts: list[tuple[str, Callable[[], contextlib.AbstractContextManager[Broker]]]] = []
    if args.broker in ("mosquitto", "both"):
        if not os.access(MOSQUITTO, os.X_OK):
            sys.exit(f"{MOSQUITTO} is needed: apt-get install -y mosquitto")
        starts.append(("Mosquitto", lambda: mosquitto(owner)))
    if args.broker in ("stonechat", "both"):
        starts.append(("Stonechat", lambda: stonechat(args.backend)))
    started = time.monotonic()
    # the brokers are separate processes on their own ports and the tests mostly sleep, so
    # both columns run at the same time (within a column the tests share client ids)
    with ThreadPoolExecutor(1 if args.one_at_a_time else len(starts)) as pool:
        futures = [
            pool.submit(run_broker, name, start, suite, plan, args.timeout, logs)
            for name, start in starts
        ]
        cols = [f.result() for f in futures]
    minutes = (time.monotonic() - started) / 60
    print(
        f"\nEclipse Paho interoperability suite ({suite}), {minutes:.1f} min; "
        f"per-test output in {logs}\n"
    )
    print(table(cols, plan))
    if args.json:
        data = [
            {
                "broker": c.broker,
                "unavailable": c.unavailable,
                "results": {f"{v} {t}": vars(o) for (v, t), o in c.results.items()},
            }
            for c in cols
        ]
        args.json.write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()
