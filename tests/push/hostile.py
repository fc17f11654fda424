"""Push endpoints that misbehave, on 127.0.0.1: what a hostile patient could point us at.

Each path answers one way:

- `/huge/…`: 201 with a body of `huge_bytes` zeros, streamed;
- `/bomb/…`: 201 with `Content-Encoding: gzip` and a small body that
  inflates to `bomb_bytes` zeros;
- `/hang/…`: reads the request and never answers;
- `/redirect/…`: 307 to `redirect_to`;
- `/ok/…`: 201 with an empty body.

`hits` counts the requests each path received, so a test can tell that a
refused target was never contacted.
"""

import contextlib
import struct
import threading
import zlib
from collections import Counter
from functools import cache
from http.server import ThreadingHTTPServer
from socketserver import StreamRequestHandler

from tests.push.pushservice import POLL_INTERVAL

CHUNK = 64 * 1024


@cache
def gzip_of_zeros(size: int) -> bytes:
    """A gzip stream of `size` zero bytes (a MiB multiple), about a thousandth of that.

    Built from one deflate block repeated: after a full flush the compressor
    starts afresh, so each MiB of zeros compresses to the same bytes.
    """
    mib = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush()
    crc = 0
    for _ in range(size // len(mib)):
        crc = zlib.crc32(mib, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return header + first + block * (size // len(mib) - 1) + end + trailer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class HostileEndpoints:
    """A threaded HTTP/1.1 server on 127.0.0.1; use as a context manager."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        huge_bytes: int = 256 * 1024 * 1024,
        bomb_bytes: int = 512 * 1024**2,
    ):
        self.huge_bytes = huge_bytes
        self.bomb_bytes = bomb_bytes
        self.hits: Counter = Counter()
        self.redirect_to = "http://127.0.0.1:9/"
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = _Server((host, 0), self._handler_class())
        self.port = self._server.server_address[1]
        self.origin = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_INTERVAL,), daemon=True
        )

    def url(self, kind: str, token: str = "x") -> str:
        return f"{self.origin}/{kind}/{token}"

    def __enter__(self):
        self._thread.start()
        return self

    def release(self) -> None:
        """Let hanging requests go (they are answered 201)."""
        self._release.set()

    def __exit__(self, *exc):
        self._release.set()  # let hanging handlers go
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _handler_class(self):
        service = self

        class Handler(StreamRequestHandler):
            def handle(self):
                line = self.rfile.readline(8192)
                if not line.strip():
                    return
                length = 0
                while (field := self.rfile.readline(8192)) not in (b"\r\n", b"\n", b""):
                    name, _, value = field.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                self.rfile.read(length)
                kind = line.decode("latin-1").split()[1].split("/")[1]
                with service._lock:
                    service.hits[kind] += 1
                # The worker hanging up mid-answer is what it should do.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    getattr(self, f"_{kind}", self._ok)()

            def _ok(self):
                self.wfile.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")

            def _huge(self):
                self.wfile.write(
                    f"HTTP/1.1 201 Created\r\nContent-Length: {service.huge_bytes}\r\n"
                    "Connection: close\r\n\r\n".encode()
                )
                zeros = bytes(CHUNK)
                for _ in range(service.huge_bytes // CHUNK):
                    self.wfile.write(zeros)

            def _bomb(self):
                body = gzip_of_zeros(service.bomb_bytes)
                self.wfile.write(
                    f"HTTP/1.1 201 Created\r\nContent-Encoding: gzip\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                )
                self.wfile.write(body)

            def _redirect(self):
                self.wfile.write(
                    f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {service.redirect_to}\r\n"
                    "Content-Length: 0\r\n\r\n".encode()
                )

            def _hang(self):
                if service._release.wait(120):
                    self._ok()

        return Handler
