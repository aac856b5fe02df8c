"""Fetching feed images is a hostile-input boundary (issue 14): every refusal, against a local HTTP server."""

import io
import os

import pytest
from PIL import Image

from articles.pictures.fetch import Refused, decode, fetch_image
from tests.support.picture_server import PictureServer, image_bytes


@pytest.fixture
def server():
    with PictureServer() as running:
        yield running


@pytest.fixture
def fetch_options(settings):
    """Change one fetch limit for a test: fetch_options(TOTAL_SECONDS=1)."""

    def change(**values):
        settings.PICTURES_FETCH = {**settings.PICTURES_FETCH, **values}

    return change


def refusal(url: str) -> Refused:
    with pytest.raises(Refused) as caught:
        fetch_image(url)
    return caught.value


@pytest.mark.parametrize(
    ("image_format", "mode", "content_type"),
    [("JPEG", "RGB", "image/jpeg"), ("PNG", "RGBA", "image/png"), ("GIF", "P", "image/gif"), ("WEBP", "RGB", "")],
)
def test_jpeg_png_gif_and_webp_are_fetched_and_decoded_by_pillow(server, image_format, mode, content_type):
    url = server.add(f"/photo.{image_format.lower()}", image_bytes(image_format, (640, 360), mode), content_type)
    fetched = fetch_image(url)
    assert fetched.format == image_format
    assert fetched.image.size == (640, 360)


def test_the_format_is_pillows_verdict_not_the_content_type(server):
    url = server.add("/photo.bin", image_bytes("PNG", (50, 40)), "text/html")
    assert fetch_image(url).format == "PNG"


def test_an_animated_gif_keeps_its_first_frame(server):
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue", "green")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    image = fetch_image(server.add("/spin.gif", out.getvalue(), "image/gif")).image
    assert image.convert("RGB").getpixel((5, 5)) == (255, 0, 0)
    assert not getattr(image, "is_animated", False)


def test_an_exif_rotated_jpeg_is_turned_upright(server):
    image = Image.new("RGB", (200, 100), "white")
    image.paste((255, 0, 0), (0, 0, 20, 100))  # red band at the left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    upright = fetch_image(server.add("/rotated.jpg", out.getvalue())).image
    assert upright.size == (100, 200)
    red, _, _ = upright.convert("RGB").getpixel((50, 5))  # the band is now at the top
    assert red > 200
    assert upright.convert("RGB").getpixel((50, 195))[1] > 200


def test_a_truncated_jpeg_is_refused(server):
    data = image_bytes("JPEG", (800, 600))
    reason = refusal(server.add("/cut.jpg", data[: len(data) // 2])).reason
    assert "truncated or corrupt" in reason


def test_a_pixel_bomb_is_refused_before_it_is_decoded(server):
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # 400 megapixels in about 50 kB
    assert len(out.getvalue()) < 200_000
    reason = refusal(server.add("/bomb.png", out.getvalue(), "image/png")).reason
    assert "pixels" in reason or "decompression bomb" in reason


def test_an_html_page_named_jpg_is_refused(server):
    page = b"<!DOCTYPE html><html><body>Not found, but 200</body></html>"
    refused = refusal(server.add("/photo.jpg", page, "image/jpeg"))
    assert refused.reason == "HTML/XML, not an image"
    assert not refused.retry


def test_an_svg_is_refused(server):
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert refusal(server.add("/logo.svg", svg, "image/svg+xml")).reason == "SVG refused"


def test_bytes_pillow_cannot_read_are_refused():
    with pytest.raises(Refused, match="not an image Pillow can read"):
        decode(b"\x00\x01 plain bytes, no image at all" * 10)


def test_a_slow_drip_is_cut_off_at_the_download_deadline(server, fetch_options):
    fetch_options(TOTAL_SECONDS=0.5, READ_TIMEOUT=5)
    data = image_bytes("JPEG", (64, 64))
    refused = refusal(server.add("/drip.jpg", data, drip={"bytes": 16, "seconds": 0.1}))
    assert refused.reason == "download took longer than 0.5 s"
    assert refused.retry


def test_a_server_that_stops_sending_is_cut_off_by_the_read_timeout(server, fetch_options):
    fetch_options(READ_TIMEOUT=0.3, TOTAL_SECONDS=30)
    refused = refusal(server.add("/stall.jpg", b"\xff\xd8" + b"x" * 100, drip={"bytes": 2, "seconds": 2}))
    assert refused.retry
    assert "timed out" in refused.reason or "took longer" in refused.reason


def test_a_body_over_the_byte_limit_is_refused_while_streaming(server, fetch_options):
    fetch_options(MAX_BYTES=10_000)
    data = image_bytes("PNG", (64, 64)) + os.urandom(40_000)  # a PNG, then a long tail
    assert refusal(server.add("/big-announced.png", data)).reason.startswith("larger than 10000 bytes")
    dripped = refusal(server.add("/big-unannounced.png", data, drip={"bytes": 4096, "seconds": 0}))
    assert dripped.reason == "larger than 10000 bytes"


def test_a_redirect_to_loopback_is_refused(server):
    target = f"http://127.0.0.1:{server.port}/photo.jpg"
    server.add("/photo.jpg", image_bytes())
    refused = refusal(server.redirect("/go", target))
    assert refused.reason == "127.0.0.1 resolves to loopback address 127.0.0.1"
    assert not refused.retry
    assert server.hits.get("/photo.jpg") is None


def test_a_redirect_to_the_cloud_metadata_address_is_refused(server):
    refused = refusal(server.redirect("/meta", "http://169.254.169.254/latest/meta-data/"))
    assert refused.reason == "169.254.169.254 resolves to link-local address 169.254.169.254"


def test_a_redirect_chain_is_followed_and_checked_at_every_hop(server):
    server.add("/final.png", image_bytes("PNG", (30, 20)), "image/png")
    server.redirect("/b", "/final.png", 301)
    assert fetch_image(server.redirect("/a", server.url("/b"))).url == server.url("/final.png")


def test_more_than_three_redirects_are_refused(server):
    for hop in range(5):
        server.redirect(f"/hop{hop}", f"/hop{hop + 1}")
    assert refusal(server.url("/hop0")).reason == "more than 3 redirects"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://img.example/a.jpg", "scheme 'ftp' refused: http and https only"),
        ("file:///etc/passwd", "scheme 'file' refused: http and https only"),
        ("http://user:pw@img.example/a.jpg", "a URL with a user name or password is refused"),
        ("http://10.1.2.3/a.jpg", "10.1.2.3 resolves to private address 10.1.2.3"),
        ("http://192.168.0.1/a.jpg", "192.168.0.1 resolves to private address 192.168.0.1"),
        ("http://224.0.0.1/a.jpg", "224.0.0.1 resolves to multicast address 224.0.0.1"),
        ("http://[::1]/a.jpg", "::1 resolves to loopback address ::1"),
        ("http://[::ffff:127.0.0.1]/a.jpg", "::ffff:127.0.0.1 resolves to loopback address 127.0.0.1"),
        ("http://0.0.0.0/a.jpg", "0.0.0.0 resolves to unspecified address 0.0.0.0"),
        ("http://localhost:9/a.jpg", "localhost resolves to loopback address"),
    ],
)
def test_urls_that_lead_inside_are_refused_before_connecting(url, reason):
    refused = refusal(url)
    assert refused.reason.startswith(reason)
    assert not refused.retry


@pytest.mark.parametrize(("status", "retry"), [(404, False), (403, False), (500, True), (503, True), (429, True)])
def test_http_errors_are_refused_and_only_passing_ones_are_retried(server, status, retry):
    server.routes["/x.jpg"] = {"status": status}
    refused = refusal(server.url("/x.jpg"))
    assert refused.reason == f"HTTP {status}"
    assert refused.retry is retry
