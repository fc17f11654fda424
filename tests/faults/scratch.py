"""Real faults on loopback: a PostgreSQL of our own, a hung listener, a cutting proxy.

`ScratchPostgres` runs a throw-away cluster on a spare loopback port, as the
`postgres` user when we are root (PostgreSQL refuses to run as root), and
can stop, restart, pause (SIGSTOP to the postmaster and every backend) and
resume it. `HungListener` accepts connections and never answers, as a
database host that has hung. `CommitCuttingProxy` relays a PostgreSQL
connection and cuts it right after relaying a COMMIT, before its answer
comes back: the write is stored, the client never hears so.
"""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> int:
    try:
        return int(Path(path).parent.parent.name)
    except ValueError:
        return 0


class ScratchPostgres:
    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.port = spare_port()
        self.dir = Path(tempfile.mkdtemp(prefix="between-faults-pg-"))
        self.data = self.dir / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """A new empty database on this cluster; returns its URL."""
        import psycopg

        name = f"between_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name

    def _run(self, tool: str, *args: str, check: bool = True):
        command = [str(self.bin / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603 - our own tools, our own arguments
            command, capture_output=True, text=True, check=check, timeout=120
        )

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def start(self) -> None:
        if self.running():
            return
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=40"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop("fast")
        self.start()

    def _pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        pids = [postmaster]
        for stat in glob.glob("/proc/[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == postmaster:
                    pids.append(int(Path(stat).parent.name))
        return pids

    def pause(self) -> None:
        """SIGSTOP the postmaster and every backend: a database that hangs."""
        self._paused = self._pids()
        for pid in self._paused:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in reversed(getattr(self, "_paused", [])):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self._paused = []

    def close(self) -> None:
        self.resume()
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class HungListener:
    """Accepts TCP connections on loopback and never sends a byte."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.socket.accept()
                self.accepted.append(connection)

    def close(self):
        self.socket.close()
        for connection in self.accepted:
            connection.close()


COMMIT_MESSAGE = b"Q\x00\x00\x00\x0bCOMMIT\x00"


class CommitCuttingProxy:
    """Relays PostgreSQL connections; while `armed`, cuts one just after a COMMIT."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.armed = False
        self.cuts = 0
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.socket.accept()
                server = socket.create_connection(("127.0.0.1", self.target_port))
                state = {"cut": False}
                for args in ((client, server, True, state), (server, client, False, state)):
                    threading.Thread(target=self._pump, args=args, daemon=True).start()

    def _pump(self, source, sink, from_client: bool, state: dict):
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                if state["cut"]:
                    return  # the answer to the COMMIT: dropped
                cutting = from_client and self.armed and COMMIT_MESSAGE in chunk
                if cutting:
                    self.armed = False
                    state["cut"] = True
                sink.sendall(chunk)
                if cutting:
                    self.cuts += 1
                    time.sleep(0.5)  # the server commits; its answer is never relayed
                    for end in (source, sink):
                        with contextlib.suppress(OSError):
                            end.shutdown(socket.SHUT_RDWR)
                    return
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.close()

    def close(self):
        self.socket.close()
