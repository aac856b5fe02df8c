"""Fetching an image URL from a feed: a hostile-input boundary.

A feed names any URL it likes, so a fetch must not become a way into the
network the server sits in (SSRF), a way to hold a worker forever, or a way to
make the server decode a gigabyte of pixels. So:

- http and https only, no user:password in the URL;
- the host is resolved here and every address checked: private, loopback,
  link-local (169.254.0.0/16: cloud metadata), multicast, reserved and
  unspecified addresses are refused; the connection goes to the checked
  address (no second lookup that DNS rebinding could answer differently);
- redirects are followed here, at most ``MAX_REDIRECTS``, each target checked
  as above;
- a connect timeout, a timeout on every read, and a deadline for the whole
  download (a slow drip of bytes cannot hold the worker);
- the body is read as a stream and refused past ``MAX_BYTES``;
- what the bytes are is Pillow's verdict, not the Content-Type header's: SVG
  and HTML are refused, so is any format but JPEG, PNG, GIF, WebP and AVIF;
  width x height is checked against ``MAX_PIXELS`` (and Pillow's own
  ``Image.MAX_IMAGE_PIXELS`` is set to it) before anything is decoded;
- an animated image keeps its first frame.

Every refusal is a ``Refused`` with a one-line reason (stored on the picture
and shown in the admin) and whether trying again later might help.
"""

import http.client
import io
import ipaddress
import socket
import ssl
import time
import warnings
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "AVIF"}
USER_AGENT = "NewsroomImageFetcher/1.0"
CHUNK = 64 * 1024


class Refused(Exception):
    """An image refused, with a one-line reason; ``retry`` if a later attempt might succeed."""

    def __init__(self, reason: str, *, retry: bool = False):
        super().__init__(reason)
        self.reason = reason[:300]
        self.retry = retry


@dataclass
class Fetched:
    data: bytes
    image: Image.Image  # decoded, first frame, EXIF orientation applied
    format: str
    url: str  # after redirects


def options() -> dict:
    return settings.PICTURES_FETCH


def checked_address(host: str, port: int) -> str:
    """The address to connect to for host: every address it resolves to must be public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"cannot resolve {host}: {error}", retry=True) from None
    allowed = set(options()["ALLOWED_ADDRESSES"])
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        if address in allowed:
            continue
        ip = ipaddress.ip_address(address.split("%")[0])
        if getattr(ip, "ipv4_mapped", None):
            ip = ip.ipv4_mapped
        kind = next(
            (
                name
                for name, flag in (
                    ("loopback", ip.is_loopback),
                    ("link-local", ip.is_link_local),
                    ("multicast", ip.is_multicast),
                    ("unspecified", ip.is_unspecified),
                    ("private", ip.is_private),
                    ("reserved", ip.is_reserved),
                    ("not public", not ip.is_global),
                )
                if flag
            ),
            None,
        )
        if kind:
            raise Refused(f"{host} resolves to {kind} address {ip}")
    if not addresses:
        raise Refused(f"cannot resolve {host}", retry=True)
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch_bytes(url: str) -> tuple[bytes, str]:
    """The body of url (following at most MAX_REDIRECTS checked redirects) and the final URL."""
    opts = options()
    deadline = time.monotonic() + opts["TOTAL_SECONDS"]
    for _ in range(opts["MAX_REDIRECTS"] + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise Refused(f"scheme {parts.scheme or 'none'!r} refused: http and https only")
        if parts.username or parts.password:
            raise Refused("a URL with a user name or password is refused")
        host = parts.hostname
        if not host:
            raise Refused("URL without a host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise Refused("URL with an invalid port") from None
        address = checked_address(host, port)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = kind(host, port, address, opts["CONNECT_TIMEOUT"])
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            try:
                connection.connect()
                connection.sock.settimeout(opts["READ_TIMEOUT"])
                connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
                response = connection.getresponse()
            except (OSError, http.client.HTTPException) as error:
                raise Refused(f"connection failed: {error.__class__.__name__} {error}".strip(), retry=True) from None
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise Refused(f"HTTP {response.status} without a Location")
                url = urljoin(url, location.strip())
                continue
            if response.status != 200:
                raise Refused(f"HTTP {response.status}", retry=response.status >= 500 or response.status == 429)
            return read_limited(response, deadline), url
        finally:
            connection.close()
    raise Refused(f"more than {opts['MAX_REDIRECTS']} redirects")


def read_limited(response, deadline: float) -> bytes:
    limit = options()["MAX_BYTES"]
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        raise Refused(f"larger than {limit} bytes ({length} announced)")
    body = bytearray()
    while True:
        if time.monotonic() > deadline:
            raise Refused(f"download took longer than {options()['TOTAL_SECONDS']:g} s", retry=True)
        try:
            chunk = response.read1(CHUNK)
        except (OSError, http.client.HTTPException) as error:
            raise Refused(f"download failed: {error.__class__.__name__} {error}".strip(), retry=True) from None
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > limit:
            raise Refused(f"larger than {limit} bytes")


def looks_like_markup(data: bytes) -> str | None:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        return "SVG refused" if b"<svg" in head else "HTML/XML, not an image"
    return None


def decode(data: bytes) -> tuple[Image.Image, str]:
    """Pillow's verdict on data: the first frame, decoded, EXIF orientation applied; or Refused."""
    markup = looks_like_markup(data)
    if markup:
        raise Refused(markup)
    max_pixels = options()["MAX_PIXELS"]
    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's own bound, for every open in this process
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image_format = image.format or ""
            if image_format not in ACCEPTED_FORMATS:
                raise Refused(f"format {image_format or 'unknown'} refused")
            width, height = image.size
            if width * height > max_pixels:
                raise Refused(f"too many pixels: {width}x{height} (limit {max_pixels})")
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            image.load()
            frame = ImageOps.exif_transpose(image.copy() if getattr(image, "is_animated", False) else image)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Refused(f"decompression bomb: {error}".split(". ")[0]) from None
    except UnidentifiedImageError:
        raise Refused("not an image Pillow can read") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise Refused(f"truncated or corrupt image: {error}") from None
    return frame, image_format


def fetch_image(url: str) -> Fetched:
    data, final_url = fetch_bytes(url)
    image, image_format = decode(data)
    return Fetched(data, image, image_format, final_url)
