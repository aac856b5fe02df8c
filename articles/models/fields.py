"""Model fields of the article app's own."""

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models

from ..text import is_slug_text


def validate_slug_text(value: str) -> None:
    if not is_slug_text(value):
        raise ValidationError(
            "Use letters, digits and marks of any script, hyphens and underscores only.", code="invalid_slug"
        )


class UnicodeSlugField(models.SlugField):
    """A slug in any script: letters, digits and combining marks, "-" and "_".

    Django's own Unicode slug (``\\w``) refuses combining marks, which Hindi,
    Bengali or Thai words cannot be written without.
    """

    def __init__(self, *args, **kwargs):
        kwargs["allow_unicode"] = True
        super().__init__(*args, **kwargs)
        # SlugField puts Django's \w rule first (and CharField has already listed it with the length rule).
        self.default_validators = [validate_slug_text]
        self.validators[:] = [
            validate_slug_text if validator is validators.validate_unicode_slug else validator
            for validator in self.validators
        ]

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("allow_unicode", None)
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        # A plain text field: the model's validator (run by the ModelForm) is the rule.
        return models.CharField.formfield(self, **{"form_class": forms.CharField, **kwargs})
