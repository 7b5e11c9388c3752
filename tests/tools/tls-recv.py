#!/usr/bin/env python3
"""tls-recv.py: a local HTTPS receiver of webhooks for the integration tests.

  tls-recv.py PORTFILE DIR CERT KEY

Listens on 127.0.0.1 (a port chosen by the kernel, written to PORTFILE)
with TLS, the certificate chain CERT and its key KEY; each POST it gets
becomes DIR/N.req: its path on the first line, then its headers, then its
body; it answers 200. A client whose handshake fails is dropped. Runs
until killed.
"""
import http.server
import os
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a client that stalls is dropped, not waited on for ever
    count = 0
    lock = threading.Lock()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(min(length, 1 << 20))
        with Handler.lock:
            Handler.count += 1
            n = Handler.count
        path = os.path.join(self.server.dir, "%d.req" % n)
        with open(path + ".tmp", "wb") as f:
            f.write(self.path.encode() + b"\n")
            f.write(bytes(self.headers))
            f.write(body + b"\n")
        os.rename(path + ".tmp", path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    portfile, directory, cert, key = sys.argv[1:5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.dir = directory
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.socket.settimeout(None)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
