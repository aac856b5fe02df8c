"""manage.py notifications_check: the periodic part of notifications, for a timer (cron, systemd).

django-tasks has no scheduler, so a timer runs this every few minutes
(README "Notifications"). It tells the editors of each story waiting in review
longer than NEWSROOM_REVIEW_WAITING_HOURS (once per submission: running it
again tells nobody twice), and queues again any mail whose job was lost.
"""

from django.core.management.base import BaseCommand

from articles import notifications


class Command(BaseCommand):
    help = "Tell editors of stories waiting too long for review; queue again mail left unsent. Run from a timer."

    def handle(self, *args, **options):
        told = notifications.review_waiting()
        queued = notifications.queue_unsent()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"{told} notification(s) of stories waiting for review (new or told before); {queued} unsent mail(s) queued."
            )
