"""Corrections in the admin: read by everyone who sees articles, changed and deleted by no one.

A correction is written with the save it goes with (``services.article_save``,
asked on the article's form); what readers were told stays on the record, so
this screen has no add, change or delete, for superusers too.
"""

from django.contrib import admin

from ..models import Correction


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "article", "note", "by"]
    list_filter = ["kind"]
    list_select_related = ["article", "by"]
    fields = ["article", "kind", "note", "at", "by", "revision"]
    readonly_fields = fields
    ordering = ["-at", "-id"]
    show_full_result_count = False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.has_perm("articles.view_article")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
