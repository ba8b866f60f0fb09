"""The hub's HTTPS client to a node: video, live pictures and plate pictures stay on the node that
recorded them, and the hub fetches them from it when a user looks (issue 17).

Two checks make the link safe over a hromada's radio bridges without a certificate authority:

- The node's certificate is pinned: [[nodes]] fingerprint is the SHA-256 of the certificate the node's
  install made (it prints it). The TLS handshake is checked against it before a byte of the request is
  sent, so the key never reaches another machine answering at that address.
- The hub presents the node's key (`Authorization: Bearer <key>`); the node keeps only its SHA-256
  ([index] hub_key_sha256) and compares in constant time (webui.blueprints.node_api).

The key is read from [[nodes]] key_file each time a connection is made (a key changed on disk applies at
once) and never appears in a log line, an error message or a repr. Paths sent to the node are built from
quoted segments only: a camera name or an id from a URL cannot reach another route of the node.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import secrets
import ssl
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

CONNECT_SECONDS = 3.0  # a node behind a dead link is reported unreachable quickly, never waited for
READ_SECONDS = 30.0
PING_SECONDS = 5.0  # a node that connects but does not answer its ping is as good as unreachable
CHUNK = 64 * 1024
PREFIX = "/node/v1"  # the node's routes for its hub (webui.blueprints.node_api)
PASSED_HEADERS = ("content-type", "content-length", "content-range", "accept-ranges", "x-picture-age")


class NodeUnreachable(Exception):
    """The node did not answer: it is down, the link is broken, or another certificate answered. The
    message names the node and the cause, never the key."""


def new_key() -> tuple[str, str]:
    """A fresh hub key and its SHA-256 (hex): the key goes into the hub's key_file, the hash into the
    node's [index] hub_key_sha256."""
    key = secrets.token_urlsafe(32)
    return key, key_hash(key)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def certificate_fingerprint(der: bytes) -> str:
    """The SHA-256 fingerprint of a DER certificate, as 64 lower-case hex digits (`openssl x509
    -fingerprint -sha256` prints the same digits in upper case, separated by ':')."""
    return hashlib.sha256(der).hexdigest()


class NodeResponse:
    """A node's answer, its body read as it arrives (a segment file is streamed, never held whole)."""

    def __init__(self, connection: http.client.HTTPSConnection, response: http.client.HTTPResponse):
        self._connection = connection
        self._response = response
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders() if k.lower() in PASSED_HEADERS}

    def read(self, limit: int = 32 * 1024 * 1024) -> bytes:
        try:
            return self._response.read(limit)
        finally:
            self.close()

    def json(self) -> Any:
        return json.loads(self.read())

    def chunks(self) -> Iterator[bytes]:
        """The body piece by piece; the connection is closed at the end, or when the reader stops."""
        try:
            while True:
                chunk = self._response.read(CHUNK)
                if not chunk:
                    return
                yield chunk
        finally:
            self.close()

    def close(self) -> None:
        self._connection.close()


class NodeClient:
    """One node as the hub reaches it ([[nodes]]: name, url, fingerprint, key_file)."""

    def __init__(self, name: str, url: str, fingerprint: str, key_file: str | Path,
                 *, read_seconds: float = READ_SECONDS):
        parts = urlsplit(url)
        self.name = name
        self.host = parts.hostname or ""
        self.port = parts.port or 443
        self.fingerprint = fingerprint
        self.key_file = Path(key_file)
        self.read_seconds = read_seconds

    def __repr__(self) -> str:
        return f"NodeClient({self.name!r}, https://{self.host}:{self.port})"

    def get(self, *segments: str | int, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None, read_seconds: float | None = None) -> NodeResponse:
        """GET /node/v1/<segments...>?<params> from the node; NodeUnreachable when it cannot answer.
        Any HTTP status is returned as it is (404: the node has no such thing)."""
        target = _path(segments)
        if params:
            target += "?" + urlencode(params)
        return self._request("GET", target, headers or {}, None, read_seconds or self.read_seconds)

    def post_json(self, *segments: str | int, body: Mapping[str, Any]) -> NodeResponse:
        """POST a JSON object to /node/v1/<segments...> (as get)."""
        data = json.dumps(body).encode()
        target = _path(segments)
        return self._request("POST", target, {"Content-Type": "application/json"}, data, self.read_seconds)

    def _request(self, method: str, target: str, headers: Mapping[str, str], body: bytes | None,
                 read_seconds: float) -> NodeResponse:
        key = self._key()
        connection = http.client.HTTPSConnection(self.host, self.port, timeout=CONNECT_SECONDS,
                                                 context=_client_context())
        try:
            connection.connect()
            assert isinstance(connection.sock, ssl.SSLSocket)
            der = connection.sock.getpeercert(binary_form=True)
            if der is None or certificate_fingerprint(der) != self.fingerprint:
                raise NodeUnreachable(
                    f"node {self.name} answered with a certificate other than its [[nodes]] fingerprint; "
                    "nothing was sent (a new certificate on the node, or another machine at its address)"
                )
            connection.sock.settimeout(read_seconds)
            connection.request(method, target, body=body, headers={
                **headers, "Authorization": f"Bearer {key}", "User-Agent": "dozor-hub",
            })
            response = connection.getresponse()
        except NodeUnreachable:
            connection.close()
            raise
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise NodeUnreachable(f"node {self.name} at {self.host}:{self.port} did not answer: "
                                  f"{exc.__class__.__name__}: {exc}") from None
        return NodeResponse(connection, response)

    def ping(self) -> dict[str, Any]:
        """The node's name and cameras (NodeUnreachable, also when it refuses the key: a hub that may
        not fetch from a node cannot show its video either)."""
        response = self.get("ping", read_seconds=PING_SECONDS)
        if response.status != 200:
            response.close()
            raise NodeUnreachable(f"node {self.name} refused the hub (HTTP {response.status}): check its "
                                  "[index] hub_key_sha256 against this hub's key_file")
        try:
            answer = response.json()
        except ValueError as exc:
            raise NodeUnreachable(f"node {self.name} gave an answer that is not Dozor's") from exc
        if not isinstance(answer, dict) or answer.get("node") != self.name:
            raise NodeUnreachable(f"node {self.name}: the machine at that address is another node "
                                  f"({answer.get('node') if isinstance(answer, dict) else '?'})")
        return answer

    def _key(self) -> str:
        try:
            key = self.key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise NodeUnreachable(f"cannot read the key file of node {self.name}, {self.key_file} "
                                  f"({exc.strerror}): it must be readable by the dozor user") from None
        if not key:
            raise NodeUnreachable(f"the key file of node {self.name}, {self.key_file}, is empty")
        return key


def _path(segments: tuple[str | int, ...]) -> str:
    """/node/v1/ and each segment quoted whole (a '/' in a value cannot add a level to the path; the
    callers check names and ids before)."""
    return PREFIX + "".join("/" + quote(str(s), safe="") for s in segments)


def _client_context() -> ssl.SSLContext:
    """TLS 1.2 or later; the certificate is not checked against a CA (nodes have self-signed ones) but
    pinned by fingerprint in NodeClient.get, before anything is sent."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
