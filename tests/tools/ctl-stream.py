#!/usr/bin/python3
"""ctl-stream.py: a client of mashd's streamed queue, for the tests.

  ctl-stream.py read SOCKET LIMIT [HOOK]   ask for every open referral as a
          stream of pages of LIMIT; read the first page, run HOOK (a shell
          command) if given, then read the rest. Prints each referral's id
          on a line, then "end" or "error: ..." as the last line said.
  ctl-stream.py stall SOCKET LIMIT         ask for the same and never read;
          print "asked", then hold the connection open until killed.
"""
import json
import socket
import subprocess
import sys
import time


def ask(path, limit):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    req = {"v": 1, "cmd": "queue", "stream": True, "limit": limit}
    s.sendall(json.dumps(req).encode() + b"\n")
    return s


def read(path, limit, hook=None):
    s = ask(path, limit)
    f = s.makefile("rb")
    first = True
    for line in f:
        a = json.loads(line)
        if not a.get("ok"):
            print("error: " + a.get("error", ""), flush=True)
            return
        # a page: this head, its items one a line, then its tail
        for _ in range(a["items"]):
            item = f.readline()
            if not item.endswith(b"\n"):
                print("error: closed within a page", flush=True)
                return
            print(json.loads(item)["id"])
        a = json.loads(f.readline() or b"null")
        if a is None:
            print("error: closed within a page", flush=True)
            return
        if not a.get("ok", True) or "next" not in a:
            print("error: " + a.get("error", "a page's tail with no next"),
                  flush=True)
            return
        if first and hook:
            sys.stdout.flush()
            subprocess.run(hook, shell=True, check=True)
        first = False
        if a.get("next") is None:
            print("end", flush=True)
            return
    print("error: closed before the last page", flush=True)


def stall(path, limit):
    s = ask(path, limit)
    print("asked", flush=True)
    time.sleep(3600)
    s.close()


if __name__ == "__main__":
    if sys.argv[1] == "read":
        read(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        stall(sys.argv[2], int(sys.argv[3]))
