"""TLS to Redis (``rediss://``): the project's client verifies the server against the CA named in the URL.

A throwaway CA and a server certificate for 127.0.0.1 are made in the test's ``tmp_path`` (nothing is
committed); the redis-server listens on a TLS port only (``--port 0``).
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from redis.asyncio.connection import SSLConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.redis_client import connect
from shared.redis_server import PORT_TRIES, RedisServer, RedisServerError, free_port
from shared.store import EventStore
from tests.contract.factory import calls

VERIFY_FAILED = "certificate verify failed"
"""What OpenSSL says (inside redis-py's ConnectionError) when the server's certificate is not trusted."""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def make_ca(directory: Path, common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, Path]:
    """A self-signed CA valid for a day: its certificate, its key, and the PEM file clients are given."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = directory / f"{common_name.replace(' ', '-')}.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key, pem


def make_server_cert(
    directory: Path, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    """A server certificate for IP 127.0.0.1 only, signed by ``ca``: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("liaison test redis"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = directory / "redis.crt", directory / "redis.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, key_file)
    return cert_file, key_file


@dataclass
class TlsRedis:
    """A redis-server listening on a TLS port only, and the CA files a client may be given."""

    server: RedisServer
    tls_port: int
    ca: Path
    """The throwaway CA that signed the server's certificate."""
    other_ca: Path
    """Another throwaway CA, which signed nothing this server presents."""

    def url(self, ca: Path | None, host: str = "127.0.0.1") -> str:
        """A ``rediss://`` URL to the TLS port, trusting ``ca`` (None: the system's CAs only)."""
        query = "" if ca is None else f"?ssl_ca_certs={quote(str(ca), safe='/')}"
        return f"rediss://{host}:{self.tls_port}/0{query}"


def _answers_over_tls(port: int, ca: Path) -> bool:
    """True if a Redis presenting a certificate from ``ca`` answers PING over TLS at the port."""
    context = ssl.create_default_context(cafile=str(ca))
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=0.5) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            tls.sendall(b"PING\r\n")
            return tls.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _start_tls_only(data_dir: Path, cert: Path, key: Path, ca: Path, timeout: float = 10.0) -> tuple[RedisServer, int]:
    """Start a redis-server with no plain port and a TLS port on loopback; it is ours once it answers with our cert."""
    for _ in range(PORT_TRIES):
        tls_port = free_port()
        server = RedisServer(
            data_dir,
            extra=[
                "--tls-port", str(tls_port),
                "--tls-cert-file", str(cert),
                "--tls-key-file", str(key),
                "--tls-ca-cert-file", str(ca),
                "--tls-auth-clients", "no",
            ],
        )  # port 0 (the default): RedisServer.command() passes --port 0, so there is no plain-text port
        data_dir.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(server.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        server.process = process
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if _answers_over_tls(tls_port, ca):
                return server, tls_port
            time.sleep(0.02)
        server.stop()
        log = (data_dir / "redis.log").read_text(errors="replace") if (data_dir / "redis.log").exists() else ""
        if "Address already in use" not in log:
            raise RedisServerError(f"redis-server with TLS did not come up (exit {process.returncode}): {log[-2000:]}")
    raise RedisServerError(f"no free TLS port after {PORT_TRIES} tries")


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[TlsRedis]:
    """A TLS-only redis-server on loopback with a throwaway CA's certificate; stopped after the test."""
    pki = tmp_path / "pki"
    pki.mkdir()
    ca_cert, ca_key, ca_pem = make_ca(pki, "liaison test CA")
    _, _, other_pem = make_ca(pki, "some other CA")
    cert, key = make_server_cert(pki, ca_cert, ca_key)
    server, tls_port = _start_tls_only(tmp_path / "redis", cert, key, ca_pem)
    try:
        yield TlsRedis(server, tls_port, ca_pem, other_pem)
    finally:
        server.stop()


async def test_the_project_client_appends_and_reads_a_case_over_tls(tls_redis: TlsRedis) -> None:
    """``connect()`` with a ``rediss://`` URL naming the CA (``ssl_ca_certs``) creates an EventStore, appends a
    case and reads it back, over TLS."""
    client = connect(tls_redis.url(tls_redis.ca))
    try:
        assert client.connection_pool.connection_class is SSLConnection
        store = await EventStore.create(client, 4)
        events = calls("tls-1", 1, 3)
        result = await store.append("tls-1", events, 0)
        assert (result.version, result.duplicate) == (3, False)
        recorded = await store.read_case("tls-1")
        assert [entry.event() for entry in recorded] == events
    finally:
        await client.aclose()


@pytest.mark.parametrize("trusted", ["another CA", "the system CAs"])
async def test_a_client_that_does_not_trust_the_ca_is_refused(tls_redis: TlsRedis, trusted: str) -> None:
    """A ``rediss://`` client trusting another CA, or only the system's CAs, fails certificate verification and
    sends no command."""
    client = connect(tls_redis.url(tls_redis.other_ca if trusted == "another CA" else None))
    try:
        with pytest.raises(RedisConnectionError, match=VERIFY_FAILED):
            await client.set("liaison:tls-probe", "untrusted")
    finally:
        await client.aclose()
    assert not await _probe_exists(tls_redis)


async def test_a_certificate_that_does_not_name_the_host_is_refused(tls_redis: TlsRedis) -> None:
    """The host name is checked too: the server's certificate names 127.0.0.1, so ``rediss://localhost`` is
    refused even though the client trusts the CA."""
    client = connect(tls_redis.url(tls_redis.ca, host="localhost"))
    try:
        with pytest.raises(RedisConnectionError, match=rf"{VERIFY_FAILED}.*mismatch"):
            await client.set("liaison:tls-probe", "wrong host")
    finally:
        await client.aclose()
    assert not await _probe_exists(tls_redis)


async def test_a_plain_client_gets_nowhere_on_the_tls_port(tls_redis: TlsRedis) -> None:
    """A plain ``redis://`` client to the TLS port gets no answer and writes nothing."""
    client = connect(f"redis://127.0.0.1:{tls_redis.tls_port}/0?socket_timeout=2&socket_connect_timeout=2")
    try:
        with pytest.raises((RedisConnectionError, RedisTimeoutError)):
            await client.set("liaison:tls-probe", "plain text")
    finally:
        await client.aclose()
    assert not await _probe_exists(tls_redis)


async def _probe_exists(tls_redis: TlsRedis) -> bool:
    """Whether a refused client's write reached Redis after all (asked over a trusted TLS connection)."""
    client = connect(tls_redis.url(tls_redis.ca))
    try:
        return bool(await client.exists("liaison:tls-probe"))
    finally:
        await client.aclose()
