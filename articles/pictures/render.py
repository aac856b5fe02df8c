"""Renditions of a decoded image: widths, formats and focal-point crops, written atomically.

- Widths ``settings.PICTURES_WIDTHS`` (320 ... 1920), never wider than the
  original: an 800 px original gets 320, 480, 640 and 800.
- Each in WebP, in AVIF when the installed Pillow can write it, and in a
  fallback every browser reads: JPEG, or PNG when the image has transparency.
- Fixed-ratio crops around the focal point: 16:9 (cards), 1:1 (thumbnails),
  and ``og`` 1200x630 (Open Graph, JPEG/PNG only), never upscaled either.
- The image arrives with its EXIF orientation applied (``fetch.decode``); what
  is written carries no metadata (no EXIF, no ICC, no comments).
- Names are content-addressed: the original's SHA-256 and the rendition's spec
  (with the focal point for crops), so a file is written once and a job run
  again writes nothing new. Writes go through the "pictures" storage, which
  renames a complete temporary file into place.
"""

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from PIL import Image, features

CROPS = {"16:9": (16, 9), "1:1": (1, 1), "og": (1200, 630)}
CROP_WIDTHS = {"16:9": [320, 640, 960], "1:1": [160, 320], "og": [1200]}
EXTENSIONS = {"webp": "webp", "avif": "avif", "jpeg": "jpg", "png": "png"}
MIME_TYPES = {"webp": "image/webp", "avif": "image/avif", "jpeg": "image/jpeg", "png": "image/png"}
# Encoder settings. AVIF at quality 40, speed 6 (libavif's default effort; speed 8 made files 20-30 % larger
# at the same quality): no artefact shows at a phone's 2-3x density, and only a slight softening of fine
# texture when magnified 2x on a 1x screen; it makes the 1080 px rendition a 3x phone takes for a full-width
# image 5x smaller than a quality-85 JPEG of the same pixels (bench/pictures.py, docs/PERFORMANCE.md).
# WebP, for browsers without AVIF: quality 75 at method 6 (its most effort), 10 % smaller than method 4.
SAVE_OPTIONS = {
    "webp": {"format": "WEBP", "quality": 75, "method": 6},
    "avif": {"format": "AVIF", "quality": 40, "speed": 6},
    "jpeg": {"format": "JPEG", "quality": 80, "optimize": True, "progressive": True},
    "png": {"format": "PNG", "optimize": True},
}


def storage():
    return storages["pictures"]


def avif_supported() -> bool:
    return bool(features.check("avif"))


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def normalized(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the image has transparency: what every encoder takes."""
    return image.convert("RGBA" if has_alpha(image) else "RGB")


def formats_for(image: Image.Image, crop: str = "") -> list[str]:
    fallback = "png" if image.mode == "RGBA" else "jpeg"
    if crop == "og":
        return [fallback]
    return ["webp", *(["avif"] if avif_supported() else []), fallback]


def widths_for(original_width: int, widths: list[int]) -> list[int]:
    """The widths to make, never above the original's: 320/640/.../1920 capped at original_width."""
    return sorted({min(width, original_width) for width in widths})


def crop_box(size: tuple[int, int], ratio: tuple[int, int], focal: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest box of the given ratio inside size, as centred on the focal point as the edges allow."""
    width, height = size
    ratio_w, ratio_h = ratio
    if width * ratio_h > height * ratio_w:  # wider than the ratio: full height, cut the sides
        crop_w, crop_h = max(1, round(height * ratio_w / ratio_h)), height
    else:
        crop_w, crop_h = width, max(1, round(width * ratio_h / ratio_w))
    left = min(max(round(focal[0] * width - crop_w / 2), 0), width - crop_w)
    top = min(max(round(focal[1] * height - crop_h / 2), 0), height - crop_h)
    return left, top, left + crop_w, top + crop_h


def encode(image: Image.Image, image_format: str) -> bytes:
    image.info = {}  # no metadata carried over (resize copies info: ICC, EXIF, comments)
    out = io.BytesIO()
    image.save(out, **SAVE_OPTIONS[image_format])
    return out.getvalue()


@dataclass
class Made:
    crop: str
    width: int
    height: int
    format: str
    file: str
    byte_size: int


def write_once(name: str, make) -> int:
    """Write make()'s bytes under name unless a complete file is there already; the size."""
    store = storage()
    if store.exists(name):
        return store.size(name)
    data = make()
    store.save(name, ContentFile(data))
    return len(data)


def render(image: Image.Image, content_hash: str, focal: tuple[float, float]) -> list[Made]:
    """Every rendition of image (decoded, oriented), stored; made once per name."""
    image = normalized(image)
    base = f"r/{content_hash[:2]}/{content_hash}"
    made = []
    width, height = image.size
    for target in widths_for(width, settings.PICTURES_WIDTHS):
        size = (target, max(1, round(height * target / width)))
        resized = None
        for image_format in formats_for(image):
            name = f"{base}/w{size[0]}x{size[1]}.{EXTENSIONS[image_format]}"

            def make(size=size, image_format=image_format):
                nonlocal resized
                if resized is None:
                    resized = image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)
                return encode(resized.copy(), image_format)

            made.append(Made("", *size, image_format, name, write_once(name, make)))
    for crop, ratio in CROPS.items():
        box = crop_box(image.size, ratio, focal)
        box_w, box_h = box[2] - box[0], box[3] - box[1]
        tag = f"{crop.replace(':', 'x')}-{focal[0]:.3f}-{focal[1]:.3f}-{box[0]}-{box[1]}"
        for target in widths_for(box_w, CROP_WIDTHS[crop]):
            size = (target, max(1, round(box_h * target / box_w)))
            for image_format in formats_for(image, crop):
                name = f"{base}/c{tag}-{size[0]}x{size[1]}.{EXTENSIONS[image_format]}"

                def make(box=box, size=size, image_format=image_format):
                    return encode(image.resize(size, Image.Resampling.LANCZOS, box=box), image_format)

                made.append(Made(crop, *size, image_format, name, write_once(name, make)))
    return made


def variants(made: list[Made]) -> dict:
    """What pages need, as JSON: {crop or "w": {format: [[width, height, file], ...]}}."""
    out: dict = {}
    for item in made:
        out.setdefault(item.crop or "w", {}).setdefault(item.format, []).append([item.width, item.height, item.file])
    for by_format in out.values():
        for items in by_format.values():
            items.sort()
    return out
