"""A news site on 127.0.0.1 for the intake tests: the pages in tests/data/pages, the feeds with
their links pointing back here, and the ways real sites go wrong (redirect chains, a redirect to
an internal address, a 40 MB body, a PDF labelled text/html, a page slower than the time limit).

A real HTTP server in a thread, so the real fetching code (aiohttp) talks to it over a socket;
the CLI tests reach it from a separate process.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = Path(__file__).parent / "data" / "pages"
HUGE_BYTES = 40 * 1024 * 1024


@dataclass
class NewsSite:
    base: str
    requests: list[str] = field(default_factory=list)  # paths asked for, in order
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # extra: path → (type, body)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"


def _handler(site: NewsSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet test output
            pass

        def do_GET(self) -> None:
            site.requests.append(self.path)
            path = self.path.split("?", 1)[0].lstrip("/")
            if path in site.pages:
                content_type, body = site.pages[path]
                return self._send(200, content_type, body)
            if path.startswith("hop/"):  # hop/3 → hop/2 → … → busan_meeting.html
                left = int(path.split("/")[1])
                target = "/busan_meeting.html" if left <= 0 else f"/hop/{left - 1}"
                return self._redirect(target)
            if path == "to-metadata":  # the cloud metadata address: must never be fetched
                return self._redirect("http://169.254.169.254/latest/meta-data/")
            if path == "to-loopback-name":
                return self._redirect("http://localhost:9/admin")
            if path == "to-file":
                return self._redirect("file:///etc/passwd")
            if path == "huge.html":
                return self._huge()
            if path == "report.pdf.html":
                return self._send(200, "text/html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
            if path == "image.png":
                return self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64))
            if path == "slow.html":
                time.sleep(3)
                return self._send(200, "text/html", (PAGES / "busan_meeting.html").read_bytes())
            file = PAGES / path
            if not path or not file.is_file() or file.parent != PAGES:
                return self._send(404, "text/html", b"<h1>Not found</h1>")
            body = file.read_bytes()
            if file.suffix in (".rss", ".atom"):
                body = body.replace(b"{base}", site.base.encode())
                kind = "application/rss+xml" if file.suffix == ".rss" else "application/atom+xml"
                return self._send(200, kind, body)
            charset = "iso-8859-1" if "latin1" in file.name else "utf-8"
            return self._send(200, f"text/html; charset={charset}", body)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _huge(self) -> None:
            """40 MB with no Content-Length: the cap must hold while the body streams in."""
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<p>" + b"tariff talks " * 5000 + b"</p>\n"
            sent = 0
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                while sent < HUGE_BYTES:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            self.close_connection = True

    return Handler


@contextlib.contextmanager
def news_site() -> Iterator[NewsSite]:
    site = NewsSite(base="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
