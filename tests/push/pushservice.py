"""A push service on 127.0.0.1 that checks what a real one checks, and decrypts.

Each "device" it hands out has its own P-256 key pair and auth secret, like a
browser's PushSubscription. For every message the service verifies the VAPID
header (ES256 signature against the key in `k=`, audience = its own origin,
expiry in the future and at most 24 h ahead), checks the Web Push headers,
and decrypts the body with `http_ece` (RFC 8188 aes128gcm) using the
device's private key, the way the browser would. Tests can script answers
(201, 404, 410, 429 with Retry-After, 500, 413 …) per device.

Used by tests/push and by bench/push_fanout.py.
"""

import base64
import contextlib
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from socketserver import StreamRequestHandler

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

#: How often a serving thread looks for a shutdown request. socketserver's
#: default, half a second, was what every push test waited at teardown.
POLL_INTERVAL = 0.02

TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
URGENCIES = {"very-low", "low", "normal", "high"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """A browser's side of one subscription."""

    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    #: Scripted answers, used up one per message; then `default_status`.
    script: deque = field(default_factory=deque)
    gone: bool = False

    @property
    def p256dh(self) -> str:
        return _b64(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return _b64(self.auth_secret)

    def subscription_json(self) -> dict:
        """What `PushSubscription.toJSON()` gives the PWA."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }


@dataclass
class Delivery:
    """A message the service accepted, decrypted."""

    token: str
    payload: dict
    headers: dict
    vapid_audience: str
    vapid_key: str
    jwt: str


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when a sender
    # opens its whole pool at once.
    request_queue_size = 128


class LoopbackPushService:
    """A threaded HTTP/1.1 push service; use as a context manager."""

    def __init__(self, *, verify: bool = True, latency: float = 0.0):
        self.verify = verify
        #: Seconds between taking a message and answering, as a distant service would.
        self.latency = latency
        self.devices: dict[str, Device] = {}
        self.deliveries: list[Delivery] = []
        self.refusals: list[tuple[str, int, str]] = []  # (token, status, why)
        self.requests = 0
        self.default_status = 201
        self._lock = threading.Lock()
        self._verified_jwts: dict[str, tuple[str, str]] = {}
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def __enter__(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_INTERVAL,), daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def new_device(self) -> Device:
        token = secrets.token_urlsafe(16)
        device = Device(
            token=token,
            endpoint=f"{self.origin}/push/{token}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=secrets.token_bytes(16),
        )
        with self._lock:
            self.devices[token] = device
        return device

    def answer(self, device: Device, *answers) -> None:
        """Script the next answers for a device: a status, or (status, headers)."""
        for item in answers:
            device.script.append(item if isinstance(item, tuple) else (item, {}))

    def unsubscribe(self, device: Device) -> None:
        """The user revoked permission: the service now answers 410."""
        device.gone = True

    def received_by(self, device: Device) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.token == device.token]

    # -- request handling -------------------------------------------------------------------

    def _handler_class(self):
        service = self

        class Handler(StreamRequestHandler):
            """HTTP/1.1 with keep-alive, read by hand.

            `BaseHTTPRequestHandler` parses headers with the `email` package,
            which cost more CPU than decrypting the message: the service
            would have been what the fan-out benchmark measured. This reads
            what a push request has (request line, headers, a Content-Length
            body) and answers in one write.
            """

            disable_nagle_algorithm = True

            def handle(self):
                # A sender killed mid-request (tests/push/test_worker_kill.py) resets it.
                with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                    self._serve()

            def _serve(self):
                while True:
                    line = self.rfile.readline(8192)
                    if not line.strip():
                        return
                    try:
                        method, target, version = line.decode("latin-1").split()
                    except ValueError:
                        return self._reply(400, {}, close=True)
                    headers = {}
                    while (field := self.rfile.readline(8192)) not in (b"\r\n", b"\n", b""):
                        name, _, value = field.decode("latin-1").partition(":")
                        headers[name.strip().lower()] = value.strip()
                    if "transfer-encoding" in headers:  # push senders send a length
                        return self._reply(411, {}, close=True)
                    body = self.rfile.read(int(headers.get("content-length") or 0))
                    close = version != "HTTP/1.1" or headers.get("connection") == "close"
                    if method != "POST":
                        self._reply(405, {}, close=close)
                    else:
                        self._reply(*service._handle(target, headers, body), close=close)
                    if close:
                        return

            def _reply(self, status: int, headers: dict, *, close: bool) -> None:
                reason = (
                    HTTPStatus(status).phrase
                    if status in HTTPStatus._value2member_map_
                    else "Other"
                )
                lines = [f"HTTP/1.1 {status} {reason}"]
                lines += [f"{name}: {value}" for name, value in headers.items()]
                lines.append("Content-Length: 0")
                if close:
                    lines.append("Connection: close")
                self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

        return Handler

    def _handle(self, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
        headers = {name.lower(): value for name, value in headers.items()}
        with self._lock:
            self.requests += 1
        token = path.rsplit("/", 1)[-1] if path.startswith("/push/") else ""
        device = self.devices.get(token)
        if device is None:
            return self._refuse(token, 404, "unknown subscription")
        if device.gone:
            return self._refuse(token, 410, "unsubscribed")
        if device.script:
            status, extra = device.script.popleft()
            if status not in (200, 201, 202):
                return self._refuse(token, status, "scripted", extra)
        problem = self._check_headers(headers)
        if problem:
            return self._refuse(token, 400, problem)
        try:
            audience, key, jwt = self._check_vapid(headers.get("authorization", ""))
        except ValueError as error:
            return self._refuse(token, 403, str(error))
        if self.verify:
            try:
                plain = http_ece.decrypt(
                    body,
                    private_key=device.private_key,
                    auth_secret=device.auth_secret,
                    version="aes128gcm",
                )
                payload = json.loads(plain)
            except Exception as error:
                return self._refuse(token, 400, f"cannot decrypt: {type(error).__name__}")
        else:
            payload = {}
        with self._lock:
            self.deliveries.append(Delivery(token, payload, headers, audience, key, jwt))
        if self.latency:
            time.sleep(self.latency)
        return self.default_status, {"Location": f"{self.origin}/message/{secrets.token_hex(4)}"}

    def _refuse(self, token, status, why, extra=None):
        with self._lock:
            self.refusals.append((token, status, why))
        return status, dict(extra or {})

    @staticmethod
    def _check_headers(headers: dict) -> str | None:
        if headers.get("content-encoding") != "aes128gcm":
            return "Content-Encoding must be aes128gcm"
        ttl = headers.get("ttl", "")
        if not ttl.isdigit():
            return "TTL is required"
        if headers.get("urgency", "normal") not in URGENCIES:
            return "bad Urgency"
        topic = headers.get("topic")
        if topic is not None and not TOPIC.match(topic):
            return "bad Topic"
        return None

    def _check_vapid(self, value: str) -> tuple[str, str, str]:
        """Verify `vapid t=…, k=…` (RFC 8292); return (aud, key, jwt)."""
        match = re.fullmatch(r"vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)", value.strip())
        if not match:
            raise ValueError("no vapid authorization")
        jwt, key = match.groups()
        with self._lock:
            known = self._verified_jwts.get(jwt)
        if known is None:
            header_b64, claims_b64, signature_b64 = jwt.split(".")
            header = json.loads(_unb64(header_b64))
            if header.get("alg") != "ES256":
                raise ValueError("alg must be ES256")
            claims = json.loads(_unb64(claims_b64))
            raw = _unb64(signature_b64)
            if len(raw) != 64:
                raise ValueError("signature must be raw r||s")
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(key))
            try:
                public.verify(
                    encode_dss_signature(
                        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
                    ),
                    f"{header_b64}.{claims_b64}".encode(),
                    ec.ECDSA(hashes.SHA256()),
                )
            except InvalidSignature:
                raise ValueError("bad signature") from None
            if claims.get("aud") != self.origin:
                raise ValueError("wrong audience")
            if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
                raise ValueError("sub must be a mailto: or https: contact")
            known = (claims["aud"], int(claims["exp"]))
            with self._lock:
                self._verified_jwts[jwt] = known
        now = time.time()
        expires = known[1]
        if not now < expires <= now + 24 * 60 * 60:
            raise ValueError("expired or too far ahead")
        return known[0], key, jwt
