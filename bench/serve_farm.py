"""Serve a farm built by ``bench/farm.py`` on 127.0.0.1, HTTP/1.1 with keep-alive.

The Host header picks the forum (``localhost`` or ``127.0.0.1``, as the manifest says);
URLs map to files as forumcrawl's replay does, and a directory asked for without its
trailing slash is redirected to it, as nginx does. ``/robots.txt`` allows everything. Each
served path is appended to ``--log`` when given, so a benchmark can count requests.

    python bench/serve_farm.py FARM_DIR [--port 8711] [--log requests.log]
"""

from __future__ import annotations

import argparse
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forumcrawl.crawl.middlewares.replay import ReplayDirectory


def make_handler(farm: ReplayDirectory, log):
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "127.0.0.1").split(":")[0]
            if self.path == "/robots.txt":
                body, status, kind = b"User-agent: *\nDisallow:\n", 200, "text/plain"
            else:
                try:
                    body = farm.path_for(f"http://{host}{self.path}").read_bytes()
                    status, kind = 200, "text/html; charset=utf-8"
                except OSError:
                    body, status, kind = b"<html><body>Not found</body></html>", 404, "text/html"
                    if (
                        "?" not in self.path
                        and not self.path.endswith("/")
                        and farm.path_for(f"http://{host}{self.path}/").exists()
                    ):
                        status = 301  # as nginx (and XenForo's canonical URLs) answer a bare directory
            if log is not None:
                with lock:
                    log.write(f"{status} {host}{self.path}\n")
                    log.flush()
            self.send_response(status)
            if status == 301:
                self.send_header("Location", f"{self.path}/")
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def serve(directory: Path, port: int, log_path: Path | None = None) -> ThreadingHTTPServer:
    log = log_path.open("a", encoding="utf-8") if log_path else None
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(ReplayDirectory(directory), log))
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("farm", type=Path)
    parser.add_argument("--port", type=int, default=8711)
    parser.add_argument("--log", type=Path)
    args = parser.parse_args()
    server = serve(args.farm, args.port, args.log)
    print(f"serving {args.farm} on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
