#!/usr/bin/env python3
"""slowloris.py: a slow HTTP client for the integration tests, loopback only.

  slowloris.py PORT COUNT SECONDS READY-FILE
      opens COUNT connections to 127.0.0.1:PORT and sends each one byte of a
      request (never finished) every second, for SECONDS; writes READY-FILE
      once every connect has been started, and at the end prints
      "connected N closed M": how many connections were made and how many
      mashd closed.
  slowloris.py PORT 1 SECONDS
      one such connection: prints how many seconds after it was made mashd
      closed it ("closed 2.1"), or "open" if it was still open after SECONDS.

Every loop is bounded in count and in time.
"""
import errno
import os
import resource
import select
import socket
import sys
import time

REQUEST = (b"POST /v1/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Content-Type: application/json\r\nX-Slow: " + b"a" * 4000)


def main():
    port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    ready = sys.argv[4] if len(sys.argv) > 4 else None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 64 <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count + 64, hard))
    socks = {}  # fd -> [socket, bytes sent, made at, open]
    poll = select.poll()
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex(("127.0.0.1", port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            continue
        socks[s.fileno()] = [s, 0, None, True]
        poll.register(s.fileno(), select.POLLOUT)
    if ready:
        with open(ready, "w") as f:
            f.write("%d\n" % len(socks))
    start = time.monotonic()
    next_byte = start
    closed = 0
    while time.monotonic() - start < seconds:
        now = time.monotonic()
        send = now >= next_byte
        if send:
            next_byte += 1.0
        for fd, ev in poll.poll(100):
            c = socks[fd]
            s = c[0]
            if c[2] is None:  # connect finished (or failed)
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    poll.unregister(fd)
                    c[3] = False
                    continue
                c[2] = time.monotonic()
                poll.modify(fd, select.POLLIN)
                continue
            try:
                if s.recv(4096) != b"":
                    continue
            except BlockingIOError:
                continue
            except OSError:
                pass
            poll.unregister(fd)  # mashd closed it
            c[3] = False
            closed += 1
            if count == 1:
                print("closed %.1f" % (time.monotonic() - c[2]))
                return
        if not send:
            continue
        for c in socks.values():
            if not c[3] or c[2] is None or c[1] >= len(REQUEST):
                continue
            try:
                c[1] += c[0].send(REQUEST[c[1]:c[1] + 1])
            except BlockingIOError:
                pass
            except OSError:
                pass  # reset: the next poll sees it
    if count == 1:
        print("open")
        return
    made = sum(1 for c in socks.values() if c[2] is not None)
    print("connected %d closed %d" % (made, closed))
    for c in socks.values():
        c[0].close()


if __name__ == "__main__":
    main()
