"""Pictures in an S3-compatible bucket (django-storages' S3 backend), against moto's S3 server on 127.0.0.1.

The storage is configured as a site configures it: from the environment, through
``pictures_storage_from_environment`` (what base.py gives ``STORAGES["pictures"]``).
"""

import io
import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image

from articles.models import ArticleImage, Picture
from articles.pictures.jobs import process_picture
from newsroom.settings.base import pictures_storage_from_environment
from tests.support.factories import make_published_article
from tests.support.picture_server import PictureServer, image_bytes
from tests.support.processes import free_port

pytestmark = pytest.mark.django_db
BUCKET = "newsroom-pictures"
# The bucket policy README "Pictures" gives: anyone may read the renditions (r/), nobody the originals (o/).
PUBLIC_RENDITIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/r/*"}
    ],
}


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh bucket, and the "pictures" storage pointed at it by the environment a site would set."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_RENDITIONS))
    environment = {
        "NEWSROOM_PICTURES_S3_BUCKET": BUCKET,
        "NEWSROOM_PICTURES_S3_ENDPOINT": s3_endpoint,
        "NEWSROOM_PICTURES_S3_REGION": "us-east-1",
    }
    settings.STORAGES = {**settings.STORAGES, "pictures": pictures_storage_from_environment(environment, Path("/none"))}
    yield s3
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    s3.delete_bucket(Bucket=BUCKET)


def keys(s3) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_renditions_are_stored_in_the_bucket_and_pages_link_to_it(bucket, s3_endpoint, client):
    with PictureServer() as server:
        url = server.add("/s3.jpg", image_bytes("JPEG", (800, 450)))
        article = make_published_article("Pictured in a bucket", images=0)
        ArticleImage.objects.create(article=article, url=url, width=800, height=450)
        picture = Picture.objects.get(source=url)
        assert process_picture(picture.pk) == Picture.Status.READY
    picture.refresh_from_db()
    files = set(picture.renditions.values_list("file", flat=True))
    assert files | {picture.original} <= keys(bucket)

    page = client.get(article.get_absolute_url()).content.decode()
    srcset = re.search(r'<img [^>]*srcset="([^"]*)"', page).group(1)
    first = srcset.split(", ")[0].split(" ")[0]
    assert first.startswith(f"{s3_endpoint}/{BUCKET}/r/")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(first, timeout=10) as response:
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(response.read())).size == (320, 180)
    original = f"{s3_endpoint}/{BUCKET}/{picture.original}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(original, timeout=10)
    assert refused.value.code == 403  # the original keeps the source's metadata: never served


def test_a_moved_focal_point_deletes_the_old_crops_from_the_bucket(bucket, django_capture_on_commit_callbacks):
    with PictureServer() as server:
        picture = Picture.objects.create(source=server.add("/s3-focal.jpg", image_bytes("JPEG", (1200, 600))))
        process_picture(picture.pk)
        old_crops = set(picture.renditions.exclude(crop="").values_list("file", flat=True))
        picture.focal_x, picture.focal_y = 0.1, 0.2
        picture.save()
        with django_capture_on_commit_callbacks(execute=True):
            assert process_picture(picture.pk, force=True) == Picture.Status.READY
    stored = keys(bucket)
    assert old_crops
    assert old_crops.isdisjoint(stored)
    assert set(picture.renditions.values_list("file", flat=True)) <= stored
