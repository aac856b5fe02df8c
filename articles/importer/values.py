"""YAML values <-> JSON columns, without losing dates.

Unknown front-matter keys are stored in JSON columns. JSON has no date type,
so dates and date-times are tagged (``{"$datetime": "..."}``) on the way in
and turned back into real values on export, where YAML writes them untagged.
"""

import math
from datetime import date, datetime

ALLOWED_TYPES = (str, bool, int, float, type(None), datetime, date, list, dict)

# What YAML's safe loader builds for plain values; anything else gets the careful look.
PLAIN_LEAVES = frozenset({bool, int, type(None), datetime, date})


def check_plain(value, *, max_depth: int, max_values: int, where: str = "front matter") -> None:
    """Refuse values YAML can produce but a seed file may not hold; see ``find_what_is_not_plain``."""
    if not is_plain(value, max_depth=max_depth, max_values=max_values):
        find_what_is_not_plain(value, max_depth=max_depth, max_values=max_values, where=where)


def is_plain(value, *, max_depth: int, max_values: int) -> bool:
    """Whether ``check_plain`` would accept ``value``, at a fraction of its cost.

    A walk a level at a time that names no paths. ``False`` may also mean only
    "not sure" (a subclass of an allowed type): ``find_what_is_not_plain``
    then decides, and says why. The next level is never allowed to outgrow what is left of
    the value budget, so aliases cannot make it big.
    """
    budget, depth, level = max_values, 0, [value]
    while level:
        budget -= len(level)
        if budget < 0 or depth > max_depth:
            return False
        below = []
        for item in level:
            kind = type(item)
            if kind is str:
                if "\x00" in item:
                    return False
            elif kind is dict:
                for key in item:
                    if type(key) is not str or "\x00" in key:
                        return False
                below.extend(item.values())
            elif kind is list:
                below.extend(item)
            elif kind is float:
                if not math.isfinite(item):
                    return False
            elif kind not in PLAIN_LEAVES:
                return False
            if len(below) > budget:
                return False
        level, depth = below, depth + 1
    return True


def find_what_is_not_plain(value, *, max_depth: int, max_values: int, where: str = "front matter") -> None:
    """Refuse values YAML can produce but a seed file may not hold, naming where they are.

    Binary blobs, sets and other tagged types, mappings with non-string keys,
    nesting deeper than ``max_depth`` and documents of more than ``max_values``
    values (the alias "billion laughs" expands to that) are all refused, in
    time proportional to ``max_values`` whatever the aliases. So are what the
    JSON columns cannot hold on every database: NUL characters (PostgreSQL
    refuses them in text and JSON) and NaN or infinite numbers (not JSON).
    """
    from .parse import SeedError

    budget = max_values
    stack = [(value, 0, where)]
    while stack:
        item, depth, path = stack.pop()
        budget -= 1
        if budget < 0:
            raise SeedError(f"front matter holds more than {max_values:,} values")
        if depth > max_depth:
            raise SeedError(f"{path}: nested deeper than {max_depth} levels")
        if isinstance(item, str):
            if "\x00" in item:
                raise SeedError(f"{path}: text contains a NUL character")
        elif not isinstance(item, ALLOWED_TYPES):
            raise SeedError(f"{path}: values of type {type(item).__name__} are not allowed")
        elif isinstance(item, float) and not math.isfinite(item):
            raise SeedError(f"{path}: NaN and infinite numbers are not allowed")
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise SeedError(f"{path}: keys must be text, found {key!r:.60}")
                if "\x00" in key:
                    raise SeedError(f"{path}: a key contains a NUL character")
                stack.append((child, depth + 1, key))
        elif isinstance(item, list):
            stack.extend((child, depth + 1, f"{path}[{index}]") for index, child in enumerate(item))


def to_json(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {key: to_json(child) for key, child in value.items()}
    if isinstance(value, list):
        return [to_json(child) for child in value]
    return value


def from_json(value):
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, text),) = value.items()
            if tag == "$datetime" and isinstance(text, str):
                return datetime.fromisoformat(text)
            if tag == "$date" and isinstance(text, str):
                return date.fromisoformat(text)
        return {key: from_json(child) for key, child in value.items()}
    if isinstance(value, list):
        return [from_json(child) for child in value]
    return value
