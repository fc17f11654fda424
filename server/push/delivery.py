"""Sending Web Push messages: the one module that talks to push services.

Encryption is RFC 8291 (aes128gcm) by the `webpush` package; the VAPID
header (RFC 8292) is ours, signed once per push-service origin and reused
until it nears expiry, because `webpush.WebPush.get` signs a new JWT per
message and ES256 signing costs more than the encryption itself. Messages go
out through aiohttp's pooled keep-alive connections, at most `concurrency`
requests in flight, with a timeout on every request.

Nothing here touches the database or logs a URL: a push endpoint is a
capability (anyone holding it can push to the device), so it stays out of
logs and error texts. Callers map each `Outcome` to the outbox.
"""

import asyncio
import base64
import email.utils
import json
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from webpush import WebPush
from webpush.types import WebPushKeys, WebPushSubscription

#: Browsers accept up to ~4 KB; we promise a small, generic payload.
MAX_PAYLOAD_BYTES = 1024
#: RFC 8292 allows at most 24 h; 12 h is what the common libraries use.
VAPID_LIFETIME_SECONDS = 12 * 60 * 60
#: Renew this long before expiry, so a header never expires in flight or
#: falls foul of a push service's clock running ahead of ours.
VAPID_RENEW_BEFORE_SECONDS = 60 * 60
DEFAULT_CONCURRENCY = 16
#: Seconds for connecting and for each read or write on a push service's socket.
DEFAULT_TIMEOUT = 10.0
URGENCIES = ("very-low", "low", "normal", "high")
#: Statuses a push service uses to say the message was accepted.
ACCEPTED = frozenset({200, 201, 202})
#: The subscription no longer exists; RFC 8030 section 7.3.
GONE = frozenset({404, 410})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def private_key_from_b64(value: str) -> ec.EllipticCurvePrivateKey:
    """The VAPID key as configured: a base64url raw 32-byte P-256 scalar."""
    raw = b64url_decode(value)
    if len(raw) != 32:
        raise ValueError("VAPID_PRIVATE_KEY must be a base64url 32-byte P-256 private key")
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def public_key_b64(private_key: ec.EllipticCurvePrivateKey) -> str:
    """The uncompressed public point, base64url: the browser's `applicationServerKey`."""
    return b64url(
        private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def origin_of(endpoint: str) -> str:
    """The RFC 6454 origin of a push resource: the VAPID `aud` claim.

    Written out because `webpush`'s own header drops a non-default port.
    """
    parts = urlsplit(endpoint)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or port == {"https": 443, "http": 80}.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class VapidSigner:
    """`Authorization: vapid t=…, k=…` headers, one per push-service origin, reused.

    Thread-safe: sending threads share one signer.
    """

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey,
        subject: str,
        *,
        clock: Callable[[], float] = time.time,
    ):
        self._key = private_key
        self._subject = subject
        self._clock = clock
        self._public = public_key_b64(private_key)
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.signatures = 0  # how many JWTs were signed, for tests and the benchmark

    @property
    def public_key(self) -> str:
        return self._public

    def header(self, endpoint: str) -> str:
        audience = origin_of(endpoint)
        now = self._clock()
        with self._lock:
            cached = self._cache.get(audience)
            if cached and cached[1] - VAPID_RENEW_BEFORE_SECONDS > now:
                return cached[0]
            expires = int(now) + VAPID_LIFETIME_SECONDS
            value = f"vapid t={self._jwt(audience, expires)}, k={self._public}"
            self._cache[audience] = (value, expires)
            self.signatures += 1
            return value

    def forget(self, endpoint: str) -> None:
        """Drop the cached header of an origin that refused it (401/403)."""
        with self._lock:
            self._cache.pop(origin_of(endpoint), None)

    def _jwt(self, audience: str, expires: int) -> str:
        header = b64url(b'{"typ":"JWT","alg":"ES256"}')
        claims = b64url(
            json.dumps(
                {"aud": audience, "exp": expires, "sub": self._subject}, separators=(",", ":")
            ).encode()
        )
        signing_input = f"{header}.{claims}".encode("ascii")
        der = self._key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        # JWS wants the raw 64-byte r||s, not the DER that OpenSSL produces.
        return f"{header}.{claims}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


class Encryptor:
    """RFC 8291 aes128gcm bodies, by the `webpush` package.

    `WebPush.get` would also sign a fresh VAPID JWT per message; we call only
    its encryption step. The package is pinned below 1.1 (pyproject), and
    the loopback push service in tests decrypts every message with
    `http_ece`, so a change in that step cannot pass unnoticed.
    """

    def __init__(self, private_key: ec.EllipticCurvePrivateKey):
        # WebPush insists on a key pair even though its encryption step uses
        # only ephemeral keys; give it ours.
        self._webpush = WebPush(
            private_key=private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            public_key=private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )

    def encrypt(self, payload: bytes, p256dh: str, auth: str) -> bytes:
        # model_construct: the keys were validated when the subscription was
        # stored, and the endpoint is not used by the encryption step.
        subscription = WebPushSubscription.model_construct(
            endpoint="https://unused.invalid/",
            keys=WebPushKeys.model_construct(p256dh=p256dh, auth=auth),
        )
        return self._webpush._encrypt(payload, subscription)


@dataclass(frozen=True, slots=True)
class Message:
    """One push to one device. `key` comes back in the `Outcome`."""

    key: Hashable
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    ttl: int
    urgency: str = "normal"
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    key: Hashable
    #: The push service's status, or None when it never answered.
    status: int | None
    #: Seconds the push service asked us to wait (429, 503), if it said.
    retry_after: float | None = None
    #: A short description of what went wrong, never quoting a URL or payload.
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED

    @property
    def gone(self) -> bool:
        return self.status in GONE

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now_dt = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    return max(0.0, (when - now_dt).total_seconds())


def encode_payload(payload: dict) -> bytes:
    """The JSON the service worker shows; refused when it would not stay small."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    if len(body) >= MAX_PAYLOAD_BYTES:
        raise ValueError("push payloads stay under 1 KB")
    return body


class PushSender:
    """Sends batches of messages with a pooled client and bounded concurrency.

    One sender per worker process, reused across batches; `close()` it (or
    use it as a context manager) to release the pool.

    Underneath, aiohttp on an event loop of the sender's own: keep-alive
    connections per push service (never more than `concurrency`), a timeout
    on every request, TLS verified with the system's trust store. It costs
    about two thirds of the CPU per message of one thread per request in
    flight over `http.client`, and half of httpx's (bench/README.md): a
    worker spends most of its CPU here.
    """

    def __init__(
        self,
        vapid_private_key: str,
        vapid_subject: str,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        key = private_key_from_b64(vapid_private_key)
        self.vapid = VapidSigner(key, vapid_subject)
        self._encryptor = Encryptor(key)
        self._concurrency = concurrency
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 5.0))
        # The loop runs in a thread of its own, so `send` works from any
        # caller, one already inside an event loop included (Playwright's, in
        # the tests; an async web framework's, one day).
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="push-send", daemon=True
        )
        self._thread.start()
        self._session: aiohttp.ClientSession | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        if self._session is not None:
            asyncio.run_coroutine_threadsafe(self._session.close(), self._loop).result()
        asyncio.run_coroutine_threadsafe(self._loop.shutdown_asyncgens(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def send(self, messages: Iterable[Message]) -> list[Outcome]:
        """Send every message; outcomes in the same order. Never raises for one message."""
        batch = asyncio.run_coroutine_threadsafe(self._send_all(list(messages)), self._loop)
        return batch.result()

    async def _send_all(self, messages: list[Message]) -> list[Outcome]:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._concurrency, limit_per_host=self._concurrency
                ),
                timeout=self._timeout,
                # Nothing a push needs: no cookies kept, no proxy from the environment.
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
        in_flight = asyncio.Semaphore(self._concurrency)

        async def bounded(message: Message) -> Outcome:
            async with in_flight:
                return await self._send_one(message)

        return await asyncio.gather(*(bounded(m) for m in messages))

    async def _send_one(self, message: Message) -> Outcome:
        try:
            body = self._encryptor.encrypt(message.payload, message.p256dh, message.auth)
            headers = {
                "Authorization": self.vapid.header(message.endpoint),
                "Content-Encoding": "aes128gcm",
                "Content-Type": "application/octet-stream",
                "TTL": str(max(0, int(message.ttl))),
                "Urgency": message.urgency,
            }
            if message.topic:
                headers["Topic"] = message.topic
        except Exception as error:  # a bad key must fail this message, not the batch
            return Outcome(message.key, None, error=f"could not build ({type(error).__name__})")
        try:
            async with self._session.post(
                message.endpoint, data=body, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                status, retry_after = response.status, response.headers.get("Retry-After")
        except TimeoutError:
            return Outcome(message.key, None, error="timed out")
        except (aiohttp.ClientError, OSError, ValueError) as error:
            # The exception text names the URL; keep only its kind.
            return Outcome(message.key, None, error=f"no answer ({type(error).__name__})")
        if status in ACCEPTED:
            return Outcome(message.key, status)
        if status in (401, 403):
            self.vapid.forget(message.endpoint)
        return Outcome(
            message.key,
            status,
            retry_after=parse_retry_after(retry_after),
            error=_describe(status),
        )


def _describe(status: int) -> str:
    if status in GONE:
        return "subscription gone"
    if status == 413:
        return "payload too large"
    if status == 429:
        return "rate limited"
    if status in (401, 403):
        return "VAPID refused"
    if status >= 500:
        return "push service error"
    return "rejected"
