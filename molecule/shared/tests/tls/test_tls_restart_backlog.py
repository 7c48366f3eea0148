"""tls: dockerd's listeners are held by systemd (docker.socket), so a request made while
dockerd restarts waits in the socket's backlog and is answered by the new dockerd instead of
being refused (README, "Every dockerd listener is held by systemd").

A prober on the daemon host (python3 standard library) starts GET /_ping over the unix socket
every 20 ms, each request in its own thread, so requests keep arriving while dockerd is down.
It notes for each request whether the restart was under way when it started (the test marks
the window with files), and reports the outcome of every request by its error's class name.
"""

import json
import os
import shlex
import sys


sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import daemon_ping  # noqa: E402

testinfra_hosts = ["dx-tls-daemon"]
WORK = "/run/dx-backlog-probe"

PROBER = r"""
import json, os, socket, sys, threading, time
work = sys.argv[1]
results, lock = [], threading.Lock()

def ping(in_window):
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(120)
    try:
        sock.connect("/run/docker.sock")
        sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        data = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        outcome = "OK" if data.startswith(b"HTTP/1.0 200") and data.endswith(b"OK") else "answer %r" % data[:40]
    except OSError as error:
        outcome = type(error).__name__
    finally:
        sock.close()
    with lock:
        results.append((in_window, outcome))

threads = []
while not os.path.exists(work + "/stop"):
    in_window = os.path.exists(work + "/window-open") and not os.path.exists(work + "/window-closed")
    thread = threading.Thread(target=ping, args=(in_window,))
    thread.start()
    threads.append(thread)
    if results and not os.path.exists(work + "/running"):
        open(work + "/running", "w").close()
    time.sleep(0.02)
for thread in threads:
    thread.join()
tally = {"window": {}, "outside": {}}
for in_window, outcome in results:
    side = tally["window" if in_window else "outside"]
    side[outcome] = side.get(outcome, 0) + 1
with open(work + "/tally.tmp", "w") as f:
    json.dump(tally, f)
os.rename(work + "/tally.tmp", work + "/tally.json")
"""


def _probe_around(host, interruption):
    """Run the prober around a shell command on the daemon host; the tally of its requests,
    split by whether they started while the command ran."""
    host.run("rm -rf %s && mkdir -p %s" % (WORK, WORK))
    host.run("cd %s && setsid -f python3 -c %s %s >prober.log 2>&1 </dev/null" % (WORK, shlex.quote(PROBER), WORK))
    # The prober has an answer before dockerd is touched (a bounded wait, no time asserted).
    waited = host.run("for i in $(seq 300); do [ -e %s/running ] && exit 0; sleep 0.1; done; exit 1" % WORK)
    assert waited.rc == 0, host.run("cat %s/prober.log" % WORK).stdout
    host.run("touch %s/window-open" % WORK)
    done = host.run(interruption)
    host.run("touch %s/window-closed" % WORK)
    assert done.rc == 0, done.stderr
    # A few answers from the new dockerd after the window, then the prober stops.
    assert daemon_ping(host).stdout == "OK"
    host.run("sleep 0.5; touch %s/stop" % WORK)
    waited = host.run("for i in $(seq 1200); do [ -e %s/tally.json ] && exit 0; sleep 0.1; done; exit 1" % WORK)
    assert waited.rc == 0, host.run("cat %s/prober.log" % WORK).stdout
    tally = json.loads(host.file(WORK + "/tally.json").content_string)
    print(interruption, "->", tally)
    return tally


def test_requests_during_a_dockerd_restart_wait_in_the_backlog(host):
    # The restart the daemon role does when only dockerd's configuration changed
    # (roles/daemon/tasks/apply.yml, "Restart dockerd (sockets unchanged)").
    before = host.check_output("systemctl show -p MainPID --value docker.service")
    tally = _probe_around(host, "systemctl restart docker.service")
    assert host.check_output("systemctl show -p MainPID --value docker.service") != before
    window = tally["window"]
    # Requests did start while dockerd was restarting, and every one of them was answered; at
    # most the one request dockerd was serving when it stopped may be cut off.
    assert window.get("OK", 0) > 0, tally
    assert "ConnectionRefusedError" not in window and "FileNotFoundError" not in window, tally
    assert set(window) <= {"OK", "ConnectionResetError"} and window.get("ConnectionResetError", 0) <= 1, tally
    assert set(tally["outside"]) == {"OK"}, tally


def test_with_the_socket_unit_stopped_too_the_same_prober_sees_refusals(host):
    # The twin: without systemd holding the listener (docker.socket stopped with dockerd), the
    # requests made meanwhile are refused, and the prober counts them.
    tally = _probe_around(host, "systemctl stop docker.socket docker.service && sleep 1 && "
                                "systemctl start docker.socket docker.service")
    assert tally["window"].get("ConnectionRefusedError", 0) > 0, tally
    assert daemon_ping(host).stdout == "OK"
