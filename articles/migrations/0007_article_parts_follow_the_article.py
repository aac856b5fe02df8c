"""Take the permissions on an article's parts (images, related links, their images) from both groups.

The parts are edited on the article's form only, under the article's rule
(``workflow.may_edit``), and have no admin pages of their own any more: a
writer who held ``change_relatedlink`` could change the links of a published
article through such a page (issue 10). Nothing reads these permissions now,
so no group should appear to hold them. Frozen here, as in 0002.
"""

from django.db import migrations

PARTS = ["articleimage", "relatedlink", "relatedlinkimage"]
REVOKED = [f"{action}_{model}" for model in PARTS for action in ("add", "change", "delete", "view")]
GROUPS = ["Writers", "Editors"]


def permissions(apps, schema_editor):
    return apps.get_model("auth", "Permission").objects.using(schema_editor.connection.alias).filter(
        content_type__app_label="articles", codename__in=REVOKED
    )


def groups(apps, schema_editor):
    return apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name__in=GROUPS)


def revoke(apps, schema_editor):
    revoked = list(permissions(apps, schema_editor))
    for group in groups(apps, schema_editor):
        group.permissions.remove(*revoked)


def grant_again(apps, schema_editor):
    granted = list(permissions(apps, schema_editor))
    for group in groups(apps, schema_editor):
        group.permissions.add(*granted)


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_provider_key")]

    operations = [migrations.RunPython(revoke, grant_again)]
