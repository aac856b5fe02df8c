"""The workflow's moves, written out by hand: the tests hold ``articles.workflow.TRANSITIONS`` to this table."""

from articles.models import Article

Status = Article.Status

# (transition, a status it starts from, the status it ends in)
MOVES = [
    ("submit_for_review", Status.DRAFT, Status.REVIEW),
    ("publish", Status.DRAFT, Status.PUBLISHED),
    ("publish", Status.REVIEW, Status.PUBLISHED),
    ("send_back", Status.REVIEW, Status.DRAFT),
    ("unpublish", Status.PUBLISHED, Status.DRAFT),
    ("archive", Status.DRAFT, Status.ARCHIVED),
    ("archive", Status.REVIEW, Status.ARCHIVED),
    ("archive", Status.PUBLISHED, Status.ARCHIVED),
    ("restore", Status.ARCHIVED, Status.DRAFT),
]
