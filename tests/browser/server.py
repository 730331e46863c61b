"""A static file server on 127.0.0.1 for the browser test page.

Chromium gathers loopback host candidates only for a page with a real http://127.0.0.1
origin (not about:blank or file://), so the harness page is served by this tiny server,
run in a daemon thread on an ephemeral port.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

STATIC_DIR = Path(__file__).parent / "static"


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves STATIC_DIR without logging every request to stderr, and never caches."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class StaticServer:
    """Serve a directory over HTTP on 127.0.0.1:<ephemeral port> until stopped."""

    def __init__(self, directory: Path = STATIC_DIR, host: str = "127.0.0.1") -> None:
        self.host = host
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self._httpd = ThreadingHTTPServer((host, 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="browser-test-http", daemon=True
        )

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        port = self._httpd.server_address[1]
        return f"http://{self.host}:{port}"

    def url(self, path: str = "/index.html") -> str:
        """Absolute URL of ``path`` on this server."""
        return self.origin + path

    def start(self) -> StaticServer:
        """Start serving in a daemon thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
