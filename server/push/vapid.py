"""VAPID (RFC 8292): the server's key, and `Authorization` headers signed by PyJWT.

One header per push-service origin, reused until it nears expiry: signing a
fresh ES256 JWT per message (as `webpush.WebPush.get` does) costs more than
encrypting the message itself.
"""

import base64
import ipaddress
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

#: RFC 8292 allows at most 24 h; 12 h is what the common libraries use.
VAPID_LIFETIME_SECONDS = 12 * 60 * 60
#: Renew this long before expiry, so a header never expires in flight or
#: falls foul of a push service's clock running ahead of ours.
VAPID_RENEW_BEFORE_SECONDS = 60 * 60


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

    Written out: some libraries' headers drop a non-default port.
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
            token = jwt.encode(
                {"aud": audience, "exp": expires, "sub": self._subject},
                self._key,
                algorithm="ES256",
            )
            value = f"vapid t={token}, k={self._public}"
            self._cache[audience] = (value, expires)
            self.signatures += 1
            return value

    def forget(self, endpoint: str) -> None:
        """Drop the cached header of an origin that refused it (401/403)."""
        with self._lock:
            self._cache.pop(origin_of(endpoint), None)


#: Host names that are never anyone's inbox or site (RFC 2606, RFC 6761).
PLACEHOLDER_SUFFIXES = (".invalid", ".test", ".example", ".localhost", ".local")
PLACEHOLDER_HOSTS = {"localhost", "example.com", "example.org", "example.net"}


def vapid_subject_problem(subject: str | None) -> str | None:
    """Why a VAPID subject will not do for real push services, or None.

    Push services use it to reach the operator; Apple's refuses a placeholder
    (403 BadJwtToken), so in production such a subject means no pushes at all.
    """
    subject = (subject or "").strip()
    if not subject:
        return "VAPID_SUBJECT is not set"
    scheme, _, rest = subject.partition(":")
    if scheme == "mailto":
        host = rest.rsplit("@", 1)[-1] if "@" in rest else ""
    elif scheme == "https":
        try:
            host = urlsplit(subject).hostname or ""
        except ValueError:
            host = ""
    else:
        return "VAPID_SUBJECT must be a mailto: or https: contact"
    host = host.lower().rstrip(".")
    if not host or "." not in host:
        return "VAPID_SUBJECT names no real address"
    if host in PLACEHOLDER_HOSTS or host.endswith(PLACEHOLDER_SUFFIXES):
        return "VAPID_SUBJECT is a placeholder address"
    if host.startswith("[") or _is_ip(host):
        return "VAPID_SUBJECT names no real address"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
