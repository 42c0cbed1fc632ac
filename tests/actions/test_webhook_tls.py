"""A pinned https webhook: the connection goes to the checked address while TLS still
checks the certificate against the host name (SNI), so pinning weakens nothing."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from stonechat.actions.errors import DeliveryFailed
from stonechat.actions.webhook import WebhookSender


def _certificate(tmp: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for ``name`` signed by it: (ca, cert, key) files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = tmp / "ca.pem", tmp / "cert.pem", tmp / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class TlsReceiver:
    def __init__(self, cert: Path, key: Path) -> None:
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.hosts.append(self.headers["Host"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)

        def remember(sock: Any, server_name: str | None, ctx: Any) -> None:
            self.server_names.append(server_name)

        context.sni_callback = remember
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,))
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[TlsReceiver, Path]]:
    ca, cert, key = _certificate(tmp_path, "sensors.test")
    receiver = TlsReceiver(cert, key)
    try:
        yield receiver, ca
    finally:
        receiver.close()


async def _to_localhost(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def test_https_is_pinned_with_sni_and_the_certificate_checked(
    tls_receiver: tuple[TlsReceiver, Path],
) -> None:
    receiver, ca = tls_receiver
    trust = ssl.create_default_context(cafile=str(ca))
    async with WebhookSender(
        allow_private_networks=True, resolver=_to_localhost, verify=trust
    ) as sender:
        result = await sender.send(f"https://sensors.test:{receiver.port}/hook", "{}")
    assert (result.status, result.address) == (204, "127.0.0.1")
    assert receiver.server_names == ["sensors.test"]
    assert receiver.hosts == [f"sensors.test:{receiver.port}"]


async def test_a_certificate_for_another_name_is_refused(
    tls_receiver: tuple[TlsReceiver, Path],
) -> None:
    receiver, ca = tls_receiver
    trust = ssl.create_default_context(cafile=str(ca))
    async with WebhookSender(
        allow_private_networks=True, resolver=_to_localhost, verify=trust, attempts=1
    ) as sender:
        with pytest.raises(DeliveryFailed, match=r"CERTIFICATE_VERIFY_FAILED|hostname"):
            await sender.send(f"https://elsewhere.test:{receiver.port}/hook", "{}")
    assert receiver.hosts == []
