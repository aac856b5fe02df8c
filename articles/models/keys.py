"""How providers and topics are told apart: the keys their uniqueness rests on."""

from django.core.exceptions import ValidationError

URL_MAX_LENGTH = 2000


def topic_key(name: str) -> str:
    """The identity of a topic name: case-insensitive, runs of spaces folded."""
    return " ".join(name.split()).casefold()


def category_key(name: str) -> str:
    """The identity of a category name: as a topic's, case-insensitive with runs of spaces folded."""
    return topic_key(name)


def provider_key(domain: str) -> str:
    """The identity of a domain: case-insensitive, in every script.

    Computed here rather than by the database: SQLite's LOWER() folds ASCII
    letters only, and would let "À.example" and "à.example" be two providers.
    """
    return domain.strip().lower()


class UniqueKeyMixin:
    """Validation of a model whose unique ``key`` is computed from another field on save.

    The key is not a form field, so a ModelForm would not check it, and a
    duplicate would reach the database as an IntegrityError (a server error)
    instead of a message on the field it comes from.
    """

    key_source = ""  # the field the key is made from
    duplicate_message = ""

    def make_key(self) -> str:
        raise NotImplementedError

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude)
        self.key = self.make_key()
        if type(self)._default_manager.filter(key=self.key).exclude(pk=self.pk).exists():
            raise ValidationError({self.key_source: self.duplicate_message})

    def save(self, *args, **kwargs):
        self.key = self.make_key()
        super().save(*args, **kwargs)
