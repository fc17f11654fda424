"""Sending Web Push messages: the one module that talks to push services.

Encryption is RFC 8291 (aes128gcm) by `http_ece`'s public `encrypt`, the
reference implementation of RFC 8188 that pywebpush builds on; the VAPID
header (RFC 8292) comes from `server.push.vapid`, signed by PyJWT once per
push-service origin and reused until it nears expiry. Messages go
out through aiohttp's pooled keep-alive connections, at most `concurrency`
messages sent and not yet taken back by the caller, with a timeout on
every request.

Nothing here touches the database or logs a URL: a push endpoint is a
capability (anyone holding it can push to the device), so it stays out of
logs and error texts. Callers map each `Outcome` to the outbox.
"""

import asyncio
import email.utils
import json
import queue
import threading
import time
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import http_ece
from cryptography.hazmat.primitives.asymmetric import ec

from server.push.egress import (
    EgressPolicy,
    GuardedResolver,
    RefusedTarget,
    guarded_socket_factory,
)
from server.push.vapid import VapidSigner, b64url_decode, origin_of, private_key_from_b64

#: Browsers accept up to ~4 KB; we promise a small, generic payload.
MAX_PAYLOAD_BYTES = 1024
DEFAULT_CONCURRENCY = 16
#: Seconds for a whole request to a push service, and for connecting.
DEFAULT_TIMEOUT = 10.0
DEFAULT_CONNECT_TIMEOUT = 3.0
#: A push service that timed out is left alone this long (its messages back off).
HUNG_PAUSE_SECONDS = 30.0
#: The most of any answer the worker reads: push services answer in a few bytes.
MAX_ANSWER_BYTES = 4096
#: `error` of an outcome whose target the egress policy refused.
REFUSED = "refused target"
TOO_LARGE = "answer too large"
URGENCIES = ("very-low", "low", "normal", "high")
#: Statuses a push service uses to say the message was accepted.
ACCEPTED = frozenset({200, 201, 202})
#: The subscription no longer exists; RFC 8030 section 7.3.
GONE = frozenset({404, 410})


class Encryptor:
    """RFC 8291 aes128gcm bodies through `http_ece.encrypt`, its public API.

    A fresh ephemeral P-256 key and salt per message, as RFC 8291 requires;
    the loopback push service in the tests decrypts every message with
    `http_ece.decrypt` the way a browser would.
    """

    def encrypt(self, payload: bytes, p256dh: str, auth: str) -> bytes:
        return http_ece.encrypt(
            payload,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            dh=b64url_decode(p256dh),
            auth_secret=b64url_decode(auth),
            version="aes128gcm",
        )


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
    #: The endpoint is somewhere the worker must not connect (server.push.egress);
    #: it was not contacted, and never will be.
    refused: bool = False
    #: Retrying would not help (an answer too large to be a push service's).
    final: bool = False

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED and not self.final

    @property
    def gone(self) -> bool:
        return self.status in GONE

    @property
    def retryable(self) -> bool:
        if self.refused or self.final:
            return False
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
    connections per push service, a timeout on every request, TLS verified
    with the system's trust store. A worker spends most of its CPU here.

    What a hostile or broken endpoint can cost is bounded:

    - where: `egress` checks every address at connect time (no internal
      hosts however written or resolved), and the URL's scheme, port and
      host (an optional allowlist); a refused target is not contacted;
    - memory: no compressed answers asked for or decoded, at most
      `MAX_ANSWER_BYTES` of any answer read (a longer one fails the message
      and the connection is dropped);
    - time: a connect timeout, a total timeout per request, at most
      `per_origin` requests in flight to one push service, and a push
      service that timed out is not tried again for `HUNG_PAUSE_SECONDS`
      (its messages come back retryable at once and back off on their own),
      so one hanging service does not hold up the others' deliveries.
    """

    def __init__(
        self,
        vapid_private_key: str,
        vapid_subject: str,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        per_origin: int | None = None,
        policy: EgressPolicy | None = None,
    ):
        key = private_key_from_b64(vapid_private_key)
        self.vapid = VapidSigner(key, vapid_subject)
        self._encryptor = Encryptor()
        self._concurrency = concurrency
        self._per_origin = per_origin or max(1, concurrency // 2)
        self._policy = policy or EgressPolicy()
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, connect_timeout))
        self._origin_slots: dict[str, asyncio.Semaphore] = {}
        self._hung_until: dict[str, float] = {}
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
        messages = list(messages)
        order = {id(m): i for i, m in enumerate(messages)}
        results: list[Outcome | None] = [None] * len(messages)
        for arrived in self.send_as_completed(messages):
            for message, outcome in arrived:
                results[order[id(message)]] = outcome
        return results

    def send_as_completed(
        self, messages: Iterable[Message], *, wait: float | None = None
    ) -> Iterator[list[tuple[Message, Outcome]]]:
        """Send every message; yield the (message, outcome) pairs that have
        completed, as they complete, a list at a time.

        At most `concurrency` messages are out and not yet taken back by the
        caller: a message's slot is freed when the caller asks for the next
        list, so after it has recorded the ones it was given. Closing the
        iterator early (the caller failed to record, say the database went
        away) cancels the rest: nothing more is sent, so what was sent but
        never recorded, and will be sent again, is at most that window.

        With `wait`, an empty list comes after `wait` seconds without an
        outcome, so the caller can do other work (renew a lease) while
        messages are in flight. The caller's thread never runs the event loop.
        """
        messages = list(messages)
        if not messages:
            return
        done: queue.SimpleQueue = queue.SimpleQueue()
        window = asyncio.Semaphore(self._concurrency)

        async def send_all():
            await self._start()

            async def one(message: Message):
                origin = origin_of(message.endpoint)
                slots = self._origin_slots.setdefault(origin, asyncio.Semaphore(self._per_origin))
                async with slots:
                    await window.acquire()
                    try:
                        outcome = await self._send_one(message, origin)
                    except BaseException:
                        window.release()
                        raise
                done.put((message, outcome))  # its window slot: freed by the caller

            await asyncio.gather(*(one(m) for m in messages))

        def taken_back(count: int) -> None:
            for _ in range(count):
                window.release()

        batch = asyncio.run_coroutine_threadsafe(send_all(), self._loop)
        left = len(messages)
        try:
            while left:
                try:
                    arrived = [done.get(timeout=wait)]
                except queue.Empty:
                    if batch.done():
                        batch.result()  # raises what went wrong outside any one message
                    yield []
                    continue
                while True:
                    try:
                        arrived.append(done.get_nowait())
                    except queue.Empty:
                        break
                left -= len(arrived)
                yield arrived
                self._loop.call_soon_threadsafe(taken_back, len(arrived))
            batch.result()
        finally:
            batch.cancel()  # closed early: what has not gone out yet never does

    async def _start(self) -> None:
        if self._session is not None:
            return
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=self._concurrency,
                limit_per_host=self._per_origin,
                resolver=GuardedResolver(self._policy),
                socket_factory=guarded_socket_factory(self._policy),
            ),
            timeout=self._timeout,
            # Nothing a push needs: no cookies kept, no proxy from the environment,
            # and no compressed answer to inflate.
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
            auto_decompress=False,
            headers={"Accept-Encoding": "identity"},
        )

    async def _send_one(self, message: Message, origin: str) -> Outcome:
        if self._policy.problem(message.endpoint):
            return Outcome(message.key, None, error=REFUSED, refused=True)
        if self._hung_until.get(origin, 0.0) > time.monotonic():
            return Outcome(message.key, None, error="push service not answering")
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
                status, retry_after = response.status, response.headers.get("Retry-After")
                if not await _small_answer(response):
                    return Outcome(message.key, status, error=TOO_LARGE, final=True)
        except TimeoutError:
            self._hung_until[origin] = time.monotonic() + HUNG_PAUSE_SECONDS
            return Outcome(message.key, None, error="timed out")
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, RefusedTarget):
                return Outcome(message.key, None, error=REFUSED, refused=True)
            return Outcome(message.key, None, error=f"no answer ({type(error).__name__})")
        except (aiohttp.ClientError, OSError, ValueError) as error:
            # The exception text names the URL; keep only its kind.
            return Outcome(message.key, None, error=f"no answer ({type(error).__name__})")
        self._hung_until.pop(origin, None)
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


async def _small_answer(response: aiohttp.ClientResponse) -> bool:
    """Read (and drop) at most `MAX_ANSWER_BYTES` of an answer; False if it is longer.

    A longer answer is not read on: the connection is closed instead of
    being returned to the pool with the rest of the body still unread.
    """
    length = response.content_length
    if length is not None and length > MAX_ANSWER_BYTES:
        response.close()
        return False
    seen = 0
    while seen <= MAX_ANSWER_BYTES:
        chunk = await response.content.read(MAX_ANSWER_BYTES + 1 - seen)
        if not chunk:
            return True
        seen += len(chunk)
    response.close()
    return False


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
