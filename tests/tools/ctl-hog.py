#!/usr/bin/python3
"""ctl-hog.py: a hostile control client for the tests, run as some user.

  ctl-hog.py flood SOCKET BYTES   write BYTES of empty lines, never reading;
                                  print how many were taken (stops when the
                                  socket takes nothing for 3 s), then hold
                                  the connection open until killed.
  ctl-hog.py hold SOCKET N        open N connections, say nothing; print how
                                  many got no answer (were kept) and the
                                  first answer of one refused, then hold.
"""
import socket
import sys
import time


def flood(path, total):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    chunk = b"\n" * 65536
    sent, last = 0, time.monotonic()
    while sent < total and time.monotonic() - last < 3:
        try:
            sent += s.send(chunk[: min(len(chunk), total - sent)])
            last = time.monotonic()
        except BlockingIOError:
            time.sleep(0.02)
    print(sent, flush=True)
    time.sleep(3600)


def hold(path, n):
    conns = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        conns.append(s)
    time.sleep(1)
    kept, refusal = 0, ""
    for s in conns:
        s.setblocking(False)
        try:
            got = s.recv(4096)
        except BlockingIOError:
            kept += 1
            continue
        if not refusal:
            refusal = got.decode().strip()
    print(kept, flush=True)
    print(refusal, flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    {"flood": flood, "hold": hold}[sys.argv[1]](sys.argv[2], int(sys.argv[3]))
