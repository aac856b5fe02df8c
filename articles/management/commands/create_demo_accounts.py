"""manage.py create_demo_accounts: an editor and a writer for trying Newsroom locally."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

DEMO_ACCOUNTS = [
    # (username, password, group)
    ("editor", "newsroom-editor", "Editors"),
    ("writer", "newsroom-writer", "Writers"),
]


class Command(BaseCommand):
    help = (
        "Create the demo accounts 'editor' (Editors group) and 'writer' (Writers group) and print "
        "their passwords. Local settings only: refused where NEWSROOM_DEMO_ACCOUNTS is off, as in production."
    )

    def handle(self, *args, **options):
        if not getattr(settings, "NEWSROOM_DEMO_ACCOUNTS", False):
            raise CommandError("Demo accounts are disabled in these settings (NEWSROOM_DEMO_ACCOUNTS is off).")
        users = get_user_model()
        for username, password, group_name in DEMO_ACCOUNTS:
            user, created = users.objects.get_or_create(username=username, defaults={"is_staff": True})
            if created:
                user.set_password(password)
                user.save()
            user.groups.add(Group.objects.get(name=group_name))
            state = "created" if created else "exists; password unchanged if you changed it"
            self.stdout.write(f"Demo {group_name[:-1].lower()}: {username} / {password} ({state})")
        self.stdout.write(self.style.SUCCESS("Log in at http://127.0.0.1:8000/admin/"))
