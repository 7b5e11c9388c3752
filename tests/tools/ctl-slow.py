#!/usr/bin/python3
"""ctl-slow.py: a control-socket client that reads its answers late.

  ctl-slow.py SOCKET JUNK REQUEST GO   send JUNK lines that mashd refuses
          at once ("{}": no protocol version), then the JSON REQUEST, all
          unread; print "sent"; wait until the file GO exists, then read
          every answer to the end and print how many came and the last.
"""
import json
import os
import socket
import sys
import time


def main(path, junk, request, go):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"{}\n" * junk + request.encode() + b"\n")
    print("sent", flush=True)
    while not os.path.exists(go):
        time.sleep(0.05)
    lines = s.makefile("rb").read().splitlines()
    print(len(lines))
    print(json.dumps(json.loads(lines[-1])) if lines else "none", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
