"""The admin of pictures: local copies of images, their renditions, refusals, and the focal point.

Pictures are made by the jobs (articles/pictures/jobs.py), never added by
hand. An editor sets the focal point by clicking the image on the change
page (static/js/picture-focal-point.js fills in the two fields; without
JavaScript they are typed); saving makes the crops again in the background.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html

from ..models import Picture
from ..pictures.html import url
from ..pictures.jobs import fetch_picture


def preview_file(picture: Picture, widest: int) -> str | None:
    by_format = (picture.variants or {}).get("w") or {}
    items = by_format.get("jpeg") or by_format.get("png") or []
    fitting = [item for item in items if item[0] <= widest]
    chosen = fitting[-1] if fitting else (items[0] if items else None)
    return chosen[2] if chosen else None


@admin.register(Picture)
class PictureAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "short_source", "status", "reason", "attempts", "size", "updated_at"]
    list_display_links = ["thumbnail", "short_source"]
    list_filter = ["status"]
    search_fields = ["source", "reason"]
    fields = ["focal_point", "focal_x", "focal_y", "source", "status", "reason", "attempts", "next_attempt_at",
              "size", "format", "byte_size", "content_hash", "renditions_made", "created_at", "updated_at"]  # fmt: skip
    readonly_fields = [f for f in fields if f not in ("focal_x", "focal_y")]
    actions = ["fetch_again"]

    class Media:
        js = ["js/picture-focal-point.js"]
        css = {"all": ["css/admin.css"]}

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description="image")
    def thumbnail(self, picture):
        name = preview_file(picture, 320)
        if not name:
            return "—"
        return format_html('<img src="{}" alt="" width="80" loading="lazy">', url(name))

    @admin.display(description="source", ordering="source")
    def short_source(self, picture):
        return picture.source if len(picture.source) <= 80 else picture.source[:77] + "…"

    @admin.display(description="size")
    def size(self, picture):
        return f"{picture.width} × {picture.height}" if picture.width else "—"

    @admin.display(description="renditions")
    def renditions_made(self, picture):
        return (
            ", ".join(
                f"{r.crop or 'w'} {r.width}×{r.height} {r.format} ({r.byte_size:,} B)" for r in picture.renditions.all()
            )
            or "—"
        )

    @admin.display(description="focal point")
    def focal_point(self, picture):
        name = preview_file(picture, 960)
        if not name:
            return "No renditions yet: the focal point can be typed below (0 to 1 from the left and from the top)."
        return format_html(
            '<div class="focal-point" data-focal-x="{}" data-focal-y="{}">'
            '<img src="{}" alt="Click the point that must stay in every crop" width="{}" height="{}">'
            '<span class="focal-point__mark" aria-hidden="true"></span></div>'
            '<p class="help">Click the point that matters: the 16:9, 1:1 and 1200×630 crops keep it in frame.</p>',
            picture.focal_x,
            picture.focal_y,
            url(name),
            min(picture.width or 960, 960),
            round(min(picture.width or 960, 960) * (picture.height or 1) / (picture.width or 1)),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"focal_x", "focal_y"} & set(form.changed_data) and obj.status == Picture.Status.READY:
            transaction.on_commit(lambda: fetch_picture.enqueue(obj.pk, force=True))
            messages.info(request, "The crops are being made again around the new focal point.")

    @admin.action(description="Fetch the selected pictures again", permissions=["change"])
    def fetch_again(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(status=Picture.Status.PENDING, attempts=0, next_attempt_at=None)
        transaction.on_commit(lambda: [fetch_picture.enqueue(pk, force=True) for pk in ids])
        self.message_user(request, f"{len(ids)} picture(s) queued to be fetched again.")
