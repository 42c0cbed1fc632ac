"""The HTTP server against hostile or careless clients (issue 12, reproductions 6 and 8):
security headers and the UI's Content-Security-Policy, no redirect loops, no key in built
URLs, bounded request heads, header and keep-alive timeouts, and 2,000 slow-loris
connections with memory and /health latency measured meanwhile.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import httpx
import paho.mqtt.client as mqtt
import pytest

import stonechat
from support import Server, free_port

DIST_INDEX = Path(stonechat.__file__).parent / "web" / "dist" / "index.html"
QUICK_HEADER_TIMEOUT = 1.5
QUICK_KEEP_ALIVE = 1


def start(tmp: Path, **env: str) -> Server:
    server = Server(
        backend="sqlite",
        data_dir=tmp,
        database_url=None,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env=env,
    )
    server.start()
    return server


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with the product's defaults (header timeout 10 s, keep-alive 5 s)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < want:  # the server inherits it: 2,000 sockets on each side
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    server = start(Path(tmp_path_factory.mktemp("hardened")))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Short timeouts, to test them in seconds."""
    server = start(
        Path(tmp_path_factory.mktemp("quick")),
        STONECHAT_HTTP_HEADER_TIMEOUT_SECONDS=str(QUICK_HEADER_TIMEOUT),
        STONECHAT_HTTP_KEEP_ALIVE_SECONDS=str(QUICK_KEEP_ALIVE),
    )
    yield server
    server.stop()


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


# -- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/feeds", "/signin", "/health", "/ui/api/config", "/api/v2/user", "/nope"],
)
def test_security_headers_on_every_response(hardened: Server, path: str) -> None:
    response = httpx.get(hardened.base_url + path)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    policy = directives(headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other host
    # 'self', and one hash: react-draggable's <style> (security_headers.py)
    assert policy["style-src"][0] == "'self'" and len(policy["style-src"]) == 2
    assert policy["style-src"][1] == "'sha256-s8oZn728h+t0WNV6s+2xieaG3i2RB5cO2MMiUDIdinY='"
    assert policy["object-src"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]  # ws: and wss: to this host included
    assert "Strict-Transport-Security" not in headers  # plain http


def test_hsts_only_over_https(hardened: Server) -> None:
    # A client cannot claim https: X-Forwarded-Proto counts only from a trusted proxy
    # (--forwarded-allow-ips, none by default). tests/deploy/test_https_listener.py has
    # HSTS over a TLS listener and behind a trusted proxy.
    claimed = httpx.get(f"{hardened.base_url}/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in claimed.headers
    assert "Strict-Transport-Security" not in httpx.get(f"{hardened.base_url}/").headers


def test_the_ui_has_no_inline_script(hardened: Server) -> None:
    if not DIST_INDEX.exists():
        pytest.skip("the web UI is not built (make ui)")
    page = httpx.get(f"{hardened.base_url}/").text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S | re.I)
    assert scripts, "the built page loads its bundle with a <script src>"
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip()
    assert not re.search(r"\son[a-z]+\s*=", page, re.I)  # no inline event handlers
    assert "<style" not in page.lower()
    assert "javascript:" not in page.lower()


def test_the_docs_page_allows_exactly_its_own_inline_script(hardened: Server) -> None:
    response = httpx.get(f"{hardened.base_url}/api/docs")
    assert response.status_code == 200
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.S)
    assert inline
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
        for b in inline
    }
    policy = directives(response.headers["Content-Security-Policy"])
    assert set(policy["script-src"]) == {"'self'"} | hashes
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    "path",
    ["/assets/", "/assets", "/assets//", "/api/docs/assets/", "/api/v2/", "/ui/api/", "/feeds/"],
)
def test_no_redirect_loops(hardened: Server, path: str) -> None:
    """Reproduction 8: ``GET /assets/`` redirected to itself for ever."""
    with httpx.Client(base_url=hardened.base_url, follow_redirects=True, max_redirects=3) as c:
        response = c.get(path)
    assert response.status_code in (200, 401, 404), response.status_code
    if response.status_code == 404:
        assert response.json()["error"]


def test_link_header_never_carries_the_key(server: Server, user: tuple[str, str]) -> None:
    """Reproduction 8: a key given as ``x-aio-key`` came back in the next-page URL."""
    username, key = user
    base = f"{server.base_url}/api/v2/{username}/feeds/paged/data"
    for value in (1, 2, 3):
        created = httpx.post(base, json={"value": value}, headers={"X-AIO-Key": key})
        assert created.status_code == 200, created.text
    for name in ("x-aio-key", "X-AIO-Key"):
        response = httpx.get(base, params={name: key, "limit": 1, "include": "value"})
        assert response.status_code == 200, response.text
        link = response.headers["Link"]
        assert key not in link and "aio-key" not in link.lower()
        following = re.search(r'<([^>]*)>;\s*rel="next"', link)
        assert following is not None, link
        assert "include=value" in link and "before=" in link
        # The next page works with the key sent as a header.
        page = httpx.get(
            following.group(1).replace(server.base_url, server.base_url),
            headers={"X-AIO-Key": key},
        )
        assert page.status_code == 200 and len(page.json()) == 1


# -- request heads ---------------------------------------------------------------------------


def read_response(stream: BinaryIO) -> bytes:
    """One whole response (with a Content-Length) from ``stream`` (``sock.makefile("rb")``);
    b"" if the server closed the connection instead."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline()
        if not line:
            return head
        head += line
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    return head + stream.read(length)


def raw_exchange(port: int, data: bytes, wait: float = 5.0) -> tuple[bytes, float]:
    """Send ``data``, read until the server closes: (everything read, seconds taken)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return received, time.monotonic() - started


def test_a_head_over_the_size_bound_is_refused(hardened: Server) -> None:
    big = httpx.get(f"{hardened.base_url}/health", headers={"X-Big": "a" * 40_000})
    assert big.status_code == 431
    assert big.json() == {"error": "request headers larger than 32768 bytes"}
    # Large but within the bound: fine.
    fine = httpx.get(f"{hardened.base_url}/health", headers={"X-Big": "a" * 20_000})
    assert fine.status_code == 200
    # A long URL counts too.
    assert httpx.get(f"{hardened.base_url}/health?" + "q" * 40_000).status_code == 431


def test_too_many_header_fields_are_refused(hardened: Server) -> None:
    many = {f"x-h{i}": "v" for i in range(120)}
    response = httpx.get(f"{hardened.base_url}/health", headers=many)
    assert response.status_code == 431
    assert "header fields" in response.json()["error"]
    fewer = {f"x-h{i}": "v" for i in range(80)}
    assert httpx.get(f"{hardened.base_url}/health", headers=fewer).status_code == 200


def test_an_unfinished_header_is_bounded_as_it_arrives(hardened: Server) -> None:
    """A header line that never ends is refused once it passes the bound, not buffered
    (reproduction 1: 111 MB of headers were accepted)."""
    assert hardened.process is not None
    before = rss_mib(hardened.process.pid)
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Endless: "
    sent = 0
    with socket.create_connection(("127.0.0.1", hardened.http_port), timeout=10) as sock:
        sock.sendall(head)
        chunk = b"a" * 65536
        try:
            for _ in range(1600):  # up to 100 MiB
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            answer = sock.recv(4096)
        except ConnectionResetError:
            answer = b""
    assert sent < 8 * 1024 * 1024, f"{sent} bytes went in before the server stopped reading"
    if answer:
        assert answer.startswith(b"HTTP/1.1 431 ")
    assert rss_mib(hardened.process.pid) - before < 20


def test_pipelined_requests_and_bodies_are_read_as_before(quick: Server) -> None:
    """The head counting follows requests through one connection: a body and the next
    request in one read, two requests in one read."""
    body = b'{"username": "nobody-here", "password": "not the password"}'
    post = (
        b"POST /ui/api/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    get = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", quick.http_port), timeout=10) as sock:
        sock.sendall(post + get + get)
        stream = sock.makefile("rb")
        answers = [read_response(stream) for _ in range(3)]
    assert [a.split(b" ")[1] for a in answers] == [b"401", b"200", b"200"]


# -- timeouts ----------------------------------------------------------------------------------


def test_a_slow_head_is_cut_at_the_header_timeout(quick: Server) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", quick.http_port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        received = b""
        try:
            while True:  # one header byte every 0.2 s: the connection stays busy
                sock.sendall(b"X")
                sock.settimeout(0.2)
                try:
                    chunk = sock.recv(4096)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                received += chunk
        except (BrokenPipeError, ConnectionResetError):
            pass
    took = time.monotonic() - started
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert QUICK_HEADER_TIMEOUT - 0.1 <= took <= QUICK_HEADER_TIMEOUT + 1.0


def test_a_silent_connection_is_closed_without_an_answer(quick: Server) -> None:
    received, took = raw_exchange(quick.http_port, b"")
    assert received == b""
    assert QUICK_HEADER_TIMEOUT - 0.1 <= took <= QUICK_HEADER_TIMEOUT + 1.0


def test_idle_keep_alive_connections_are_closed(quick: Server) -> None:
    request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", quick.http_port), timeout=10) as sock:
        stream = sock.makefile("rb")
        for _ in range(3):  # requests in time keep the connection
            sock.sendall(request)
            assert read_response(stream).startswith(b"HTTP/1.1 200 ")
            time.sleep(QUICK_KEEP_ALIVE / 2)
        idle_from = time.monotonic()
        assert stream.read() == b""  # then closed, idle
        idle = time.monotonic() - idle_from
    assert QUICK_KEEP_ALIVE / 2 - 0.1 <= idle <= QUICK_KEEP_ALIVE + 1.0


def test_a_slow_body_is_not_cut_by_the_header_timeout(quick: Server) -> None:
    """The header timeout ends with the head: a body may take longer (its bounds are the
    body reader's)."""
    body = b'{"username": "nobody-here", "password": "not the password"}'
    head = (
        b"POST /ui/api/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    )
    with socket.create_connection(("127.0.0.1", quick.http_port), timeout=10) as sock:
        sock.sendall(head)
        for i in range(0, len(body), 8):
            time.sleep(QUICK_HEADER_TIMEOUT * 2 / (len(body) / 8))
            sock.sendall(body[i : i + 8])
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:100]


def test_websockets_outlive_the_header_timeout(quick: Server) -> None:
    """MQTT over WebSocket (/mqtt) upgrades the HTTP connection; the head timer ends then."""
    username, key = quick.create_user("ws")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, transport="websockets")
    client.ws_set_options(path="/mqtt")
    client.username_pw_set(username, key)
    connected = threading.Event()
    client.on_connect = lambda *args: connected.set()
    client.connect("127.0.0.1", quick.http_port, keepalive=60)
    client.loop_start()
    try:
        assert connected.wait(10)
        time.sleep(QUICK_HEADER_TIMEOUT + QUICK_KEEP_ALIVE + 0.5)
        assert client.is_connected()
        info = client.publish(f"{username}/feeds/ws-test", "1", qos=1)
        info.wait_for_publish(10)
        assert info.is_published()
    finally:
        client.loop_stop()
        client.disconnect()


# -- 2,000 slow-loris connections ----------------------------------------------------------------


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


SLOW_LORIS = 2_000
HEADER_TIMEOUT = 10.0  # the product's default

# The attacker runs in a process of its own, so its work does not delay the /health
# requests this process times. It prints "open" once every connection is made, then one
# JSON line: how long each connection was held, and how many the server ended.
ATTACKER = """
import asyncio, json, random, sys, time

port, count, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
held, ended_by_server = [], 0

async def one(ready):
    global ended_by_server
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    opened = time.monotonic()
    ready.append(opened)
    try:
        writer.write(b"GET /health HTTP/1.1\\r\\nHost: x\\r\\n")
        await asyncio.sleep(random.random())  # spread the trickle over each second
        for i in range(int(timeout * 3)):  # a header line a second, for 3x the timeout
            try:
                await asyncio.wait_for(reader.read(4096), 1.0)
                ended_by_server += 1  # answered (408) or closed
                break
            except TimeoutError:
                writer.write(b"X-Slow-%d: %d\\r\\n" % (i, i))
                await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        ended_by_server += 1
    finally:
        held.append(time.monotonic() - opened)
        writer.close()

async def main():
    ready, tasks = [], []
    for _ in range(count // 100):
        tasks += [asyncio.create_task(one(ready)) for _ in range(100)]
        await asyncio.sleep(0.01)
    while len(ready) < count:
        await asyncio.sleep(0.05)
    print("open", flush=True)
    await asyncio.gather(*tasks)
    print(json.dumps({"held": held, "ended_by_server": ended_by_server}), flush=True)

asyncio.run(main())
"""


@pytest.mark.slow
def test_2000_slow_loris_connections(hardened: Server) -> None:
    """Reproduction 6: 2,000 connections trickling headers were held 45 s. Now each is cut
    at the header timeout (10 s); meanwhile memory stays flat and /health answers fast."""
    assert hardened.process is not None
    pid = hardened.process.pid
    for _ in range(20):  # warm up
        httpx.get(f"{hardened.base_url}/health")
    before = rss_mib(pid)
    attacker = subprocess.Popen(
        [sys.executable, "-c", ATTACKER, str(hardened.http_port), str(SLOW_LORIS), "10"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert attacker.stdout is not None
        assert attacker.stdout.readline().strip() == "open"
        all_open = time.monotonic()
        time.sleep(2)  # every connection has sent a header line or two
        latencies = []
        for _ in range(30):
            with httpx.Client(base_url=hardened.base_url, timeout=5) as client:
                started = time.perf_counter()
                assert client.get("/health").status_code == 200
                latencies.append(time.perf_counter() - started)
            time.sleep(0.1)
        during = rss_mib(pid)
        report = json.loads(attacker.stdout.readline())
        attacker.wait(30)
        all_closed = time.monotonic()
    finally:
        attacker.kill()
        attacker.wait()
    held = report["held"]
    print(
        f"\n{SLOW_LORIS} slow-loris connections: RSS {before:.0f} -> {during:.0f} MiB "
        f"(+{during - before:.1f}); /health median {statistics.median(latencies) * 1000:.1f} "
        f"ms, max {max(latencies) * 1000:.1f} ms; held {min(held):.1f}-{max(held):.1f} s"
    )
    assert during - before < 50
    assert max(latencies) < 0.1
    # Each one was ended by the server at the header timeout (the attacker would have gone
    # on for 30 s).
    assert report["ended_by_server"] == SLOW_LORIS
    assert all(HEADER_TIMEOUT - 0.5 <= h <= HEADER_TIMEOUT + 2 for h in held)
    assert all_closed - all_open < HEADER_TIMEOUT + 3
