"""One YAML value -> one column value: the ``Field`` that describes a key, and the conversions it names.

A mapping's modelled keys become column values; everything the columns
cannot give back (unknown keys, explicit nulls and empty values, URLs that
are not http(s)) goes to ``extra``, so export is exact. Text is held to its
column's length, read from the model: a longer value is refused, never cut.
Mojibake (UTF-8 read as Latin-1) is repaired where a ``Field`` says so.
"""

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from django.utils.dateparse import parse_datetime

from ..text import is_http_url
from .parse import SeedError
from .values import to_json

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def column_length(model, attr: str) -> int | None:
    return model._meta.get_field(attr).max_length


@dataclass(frozen=True)
class Field:
    """How the value of one YAML key becomes the value of one column."""

    key: str
    attr: str
    kind: str  # text, url, int, count, bool, datetime
    repair: bool = False
    max_length: int | None = None  # the column's, filled in by ``columns_of``


def columns_of(model, *fields: Field) -> tuple[Field, ...]:
    """``fields``, each with the ``max_length`` of its column on ``model``."""
    return tuple(replace(field, max_length=column_length(model, field.attr)) for field in fields)


EMPTY_DEFAULTS = {"text": "", "url": ""}


def convert_mapping(mapping: dict, specs, where: str, repairs: dict, special=frozenset()) -> tuple[dict, dict]:
    """A YAML mapping -> (column values, extra). See the module docstring."""
    values, extra = {}, {}
    for spec in specs:
        value = mapping.get(spec.key)
        if value is None or value == "":
            values[spec.attr] = EMPTY_DEFAULTS.get(spec.kind)
            if spec.key in mapping:
                extra[spec.key] = value
            continue
        values[spec.attr], represented = convert_value(spec, value, f"{where}{spec.key}", repairs)
        if not represented:
            extra[spec.key] = value
    known = {spec.key for spec in specs} | special
    for key, value in mapping.items():
        if key not in known:
            extra[key] = to_json(value)
    return values, extra


def convert_value(spec: Field, value, where: str, repairs: dict):
    """One modelled value -> (column value, whether the column represents it)."""
    if spec.kind in ("text", "url"):
        if not isinstance(value, str):
            raise SeedError(f"{where} must be text, got {type(value).__name__}")
        if spec.kind == "url":
            if len(value) > spec.max_length:
                raise SeedError(f"{where} is longer than {spec.max_length:,} characters")
            # Anything but an http(s) URL is kept for export but never stored as a link.
            return (value, True) if is_http_url(value) else ("", False)
        if "\x00" in value:
            raise SeedError(f"{where} contains a NUL character")
        if spec.repair:
            fixed = repair_mojibake(value)
            if fixed != value:
                repairs[where] = value
                value = fixed
        if spec.max_length and len(value) > spec.max_length:
            raise SeedError(f"{where} is longer than {spec.max_length} characters ({len(value)})")
        return value, True
    if spec.kind == "int":
        return to_int(value, where), True
    if spec.kind == "count":
        return to_int(value, where, minimum=0), True
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise SeedError(f"{where} must be true or false, got {value!r:.60}")
        return value, True
    return to_datetime(value, where), True


def to_int(value, where: str, *, minimum: int = INT_MIN) -> int:
    if isinstance(value, bool):
        raise SeedError(f"{where} must be a whole number, not true/false")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d{1,12}\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise SeedError(f"{where} must be a whole number, got {value!r:.60}")
    if not minimum <= value <= INT_MAX:
        raise SeedError(f"{where} is out of range ({value})")
    return value


def to_datetime(value, where: str) -> datetime:
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise SeedError(f"{where} is not a date-time: {value!r:.60}")
        value = parsed
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(0), UTC)
    if not isinstance(value, datetime):
        raise SeedError(f"{where} must be a date-time, got {type(value).__name__}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 is in the year 0 in UTC
        raise SeedError(f"{where} is out of range in UTC: {value.isoformat()}") from None


# Characters that double-encoded UTF-8 leaves behind (a lead byte read as
# Latin-1/cp1252 followed by a continuation byte). Only text that matches is
# handed to ftfy, which is slow and would otherwise run on every field.
MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def repair_mojibake(text: str) -> str:
    if not MOJIBAKE_HINT.search(text):
        return text
    import ftfy

    return ftfy.fix_encoding(text)
