#!/usr/bin/env python3
"""Availability prober for `make bench`: GET /_ping on dockerd's endpoints every few ms.

Standard library only, so it runs with the python3 of a lab host (it is copied there with
`docker cp`). Each request opens a new connection, as a one-shot client (the docker CLI)
does. It runs until the stop file appears (or --max-seconds pass), then prints one JSON
object on stdout: per endpoint the requests made, the failed ones by error, and the longest
gap between two successful answers (ms).

  prober.py --unix /run/docker.sock --tls 127.0.0.1:2376 --ca ca.pem --cert cert.pem \
            --key key.pem --interval-ms 15 --stop-file /tmp/stop
"""
import argparse
import json
import os
import socket
import ssl
import sys
import threading
import time

REQUEST = b'GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n'


def read_answer(sock):
    """The first line of the HTTP answer, e.g. 'HTTP/1.0 200 OK'."""
    data = b''
    while b'\r\n' not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    # Drain the rest, so the daemon does not see a reset connection.
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass
    return data.split(b'\r\n', 1)[0].decode('ascii', 'replace')


def ping_unix(path, timeout):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
        sock.sendall(REQUEST)
        return read_answer(sock)
    finally:
        sock.close()


def ping_tls(context, host, port, timeout):
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        with context.wrap_socket(raw, server_hostname=host) as sock:
            sock.sendall(REQUEST)
            return read_answer(sock)
    finally:
        raw.close()


def error_name(exc):
    if isinstance(exc, ssl.SSLError):
        return 'ssl:%s' % (exc.reason or type(exc).__name__)
    if isinstance(exc, socket.timeout):
        return 'timeout'
    return type(exc).__name__


def probe_loop(name, call, interval, stop, result):
    """Call `call` every `interval` seconds until `stop` is set; fill `result`."""
    requests = failed = 0
    errors = {}
    first_failure = last_failure = None
    start = time.monotonic()
    last_ok = None
    longest_gap = 0.0
    next_at = start
    while not stop.is_set():
        sent = time.monotonic()
        try:
            status = call()
            ok = status.split(' ')[1:2] == ['200']
            error = None if ok else 'http:%s' % status
        except Exception as exc:  # every failure is counted, none ends the probe
            ok = False
            error = error_name(exc)
        done = time.monotonic()
        requests += 1
        if ok:
            # The gap ends when an answer arrives: a request that waited in the backlog
            # during a restart counts as a gap, not as a failure.
            reference = last_ok if last_ok is not None else start
            longest_gap = max(longest_gap, done - reference)
            last_ok = done
        else:
            failed += 1
            errors[error] = errors.get(error, 0) + 1
            first_failure = first_failure if first_failure is not None else sent - start
            last_failure = done - start
        next_at += interval
        pause = next_at - time.monotonic()
        if pause > 0:
            stop.wait(pause)
        else:
            next_at = time.monotonic()
    end = time.monotonic()
    if last_ok is not None:
        longest_gap = max(longest_gap, end - last_ok)
    result[name] = dict(
        requests=requests, failed=failed, errors=errors,
        longest_gap_ms=round(longest_gap * 1000.0, 1),
        seconds=round(end - start, 2),
        first_failure_s=None if first_failure is None else round(first_failure, 3),
        last_failure_s=None if last_failure is None else round(last_failure, 3))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--unix', help='path of the unix socket to probe')
    parser.add_argument('--tls', help='HOST:PORT of the TLS endpoint to probe (mutual TLS)')
    parser.add_argument('--ca', help="the daemon's CA certificate (PEM)")
    parser.add_argument('--cert', help='the client certificate (PEM)')
    parser.add_argument('--key', help='the client key (PEM)')
    parser.add_argument('--interval-ms', type=float, default=15.0)
    parser.add_argument('--timeout', type=float, default=10.0,
                        help='seconds one request may take before it counts as failed')
    parser.add_argument('--stop-file', required=True,
                        help='the prober stops once this file exists')
    parser.add_argument('--max-seconds', type=float, default=600.0)
    args = parser.parse_args(argv)

    calls = {}
    if args.unix:
        calls['unix'] = lambda: ping_unix(args.unix, args.timeout)
    if args.tls:
        host, port = args.tls.rsplit(':', 1)
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=args.ca)
        context.load_cert_chain(args.cert, args.key)
        calls['tls'] = lambda: ping_tls(context, host, int(port), args.timeout)
    if not calls:
        parser.error('give --unix, --tls or both')
    # Fail now on an endpoint that does not answer at the start: the figures would mean nothing.
    for name, call in calls.items():
        status = call()
        if ' 200 ' not in status + ' ':
            sys.exit('%s does not answer before the probe starts: %s' % (name, status))

    stop = threading.Event()
    result = {}
    threads = [threading.Thread(target=probe_loop,
                                args=(name, call, args.interval_ms / 1000.0, stop, result))
               for name, call in calls.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + args.max_seconds
    while not os.path.exists(args.stop_file) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    json.dump(dict(interval_ms=args.interval_ms, endpoints=result), sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
