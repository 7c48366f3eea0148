"""tools/bench/prober.py counts what a client sees: refused requests and the longest gap.

A small HTTP server on a unix socket in a temporary directory plays dockerd; taking it away
for a while must show up as failed requests and a gap at least that long, and keeping it up
must show none.
"""

import importlib.util
import os
import socket
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC = importlib.util.spec_from_file_location("bench_prober", os.path.join(REPO, "tools", "bench", "prober.py"))
prober = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(prober)


class PingServer(object):
    """Answers every connection on a unix socket with 'HTTP/1.0 200 OK' and 'OK'."""

    def __init__(self, path):
        self.path = path
        self.sock = None
        self.thread = None

    def start(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(64)
        self.thread = threading.Thread(target=self._serve, args=(self.sock,), daemon=True)
        self.thread.start()

    def _serve(self, sock):
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK")

    def stop(self):
        self.sock.close()
        os.unlink(self.path)
        self.thread.join(5)


def run_probe(path, outage):
    """Probe for 0.6 s plus the outage; take the server away for `outage` seconds in the middle."""
    server = PingServer(path)
    server.start()
    stop = threading.Event()
    result = {}
    thread = threading.Thread(target=prober.probe_loop, args=(
        "unix", lambda: prober.ping_unix(path, 2.0), 0.01, stop, result))
    thread.start()
    time.sleep(0.3)
    if outage:
        server.stop()
        time.sleep(outage)
        server.start()
    time.sleep(0.3)
    stop.set()
    thread.join(10)
    server.stop()
    return result["unix"]


def test_an_outage_counts_failed_requests_and_a_gap(tmp_path):
    stats = run_probe(str(tmp_path / "docker.sock"), outage=1.0)
    assert stats["failed"] > 0
    assert sum(stats["errors"].values()) == stats["failed"]
    assert stats["longest_gap_ms"] >= 1000
    assert stats["requests"] > stats["failed"]


def test_a_steady_server_counts_no_failure(tmp_path):
    stats = run_probe(str(tmp_path / "docker.sock"), outage=0)
    assert stats["failed"] == 0
    assert stats["requests"] > 10
    assert stats["longest_gap_ms"] < 1000
