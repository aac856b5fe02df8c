"""A local HTTP server for the picture tests and the bench: routes of bytes, redirects, a slow drip.

Listens on 127.0.0.2, the one address the test settings let a fetch reach
(``PICTURES_FETCH["ALLOWED_ADDRESSES"]``), so a redirect to 127.0.0.1 is
still refused like any loopback address.
"""

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

HOST = "127.0.0.2"


def image_bytes(image_format="JPEG", size=(1600, 900), mode="RGB", **save) -> bytes:
    image = Image.new(mode, size)
    # Not one flat colour: a gradient, so encoders and resizes do real work.
    gradient = Image.linear_gradient("L").resize(size)
    image.paste(Image.merge("RGB", (gradient, gradient.rotate(90), gradient.transpose(0))).convert(mode))
    out = io.BytesIO()
    image.save(out, image_format, **save)
    return out.getvalue()


class PictureServer:
    def __init__(self, latency: float = 0.0):
        self.routes: dict[str, dict] = {}
        self.latency = latency
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                route = server.routes.get(self.path)
                if server.latency:
                    time.sleep(server.latency)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(route.get("status", 200))
                for name, value in route.get("headers", {}).items():
                    self.send_header(name, value)
                body = route.get("body", b"")
                drip = route.get("drip")
                if not drip:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if drip:
                    for i in range(0, len(body), drip["bytes"]):
                        try:
                            self.wfile.write(body[i : i + drip["bytes"]])
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(drip["seconds"])
                else:
                    self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def add(self, path: str, body: bytes = b"", content_type: str = "image/jpeg", **route) -> str:
        self.routes[path] = {"body": body, "headers": {"Content-Type": content_type}, **route}
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = {"status": status, "headers": {"Location": location}}
        return self.url(path)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
