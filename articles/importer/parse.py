"""Stage 1: a file on disk -> a parsed seed document (front matter + body).

Only this module reads bytes and YAML. YAML is loaded with the safe loader
(libyaml's C implementation when present), so tags such as
``!!python/object`` are refused rather than executed, and with two checks of
our own: a key given twice is an error (YAML would silently keep the last
value), and a value that its tag cannot hold (``!!int foo``, 30 February) is
a one-line error rather than a Python exception.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from ..text import one_line

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SEED_SUFFIXES = {".md", ".txt"}

# Above this size the front matter's YAML events are counted before any node
# is built, so a megabyte of "[a,a,a,...]" is refused in milliseconds instead
# of becoming hundreds of megabytes of nodes. Smaller ones cannot hold enough
# values to matter, and skip the extra pass.
EVENT_SCAN_CHARS = 64 * 1024

# What a constructor raises when a scalar does not fit its tag, e.g. "!!int foo",
# "2021-02-30", "!!timestamp soon", an integer of more than 4,300 digits.
VALUE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError)


class SeedError(ValueError):
    """A seed file that cannot be accepted; the message is for a person."""


@dataclass(frozen=True)
class SeedDocument:
    path: str
    content_hash: str
    data: dict
    body: str


def find_seed_files(paths) -> list[Path]:
    """Files named directly, plus every ``*.md``/``*.txt`` below named directories
    (READMEs aside), sorted."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if is_seed_name(p) and p.is_file()))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"{one_line(str(raw), limit=None)}: no such file or directory")
    return found


def is_seed_name(path: Path) -> bool:
    # A README beside seed files documents them; it is not one of them.
    return path.suffix.lower() in SEED_SUFFIXES and not path.stem.upper().startswith("README")


def read_bytes(path: Path, max_bytes: int) -> bytes:
    with open(path, "rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise SeedError(f"file is larger than the limit of {max_bytes:,} bytes")
    return raw


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def parse_seed(raw: bytes, path: str, digest: str | None = None, max_values: int = 20_000) -> SeedDocument:
    front_matter, body = split_front_matter(decode(raw))
    data = load_yaml(front_matter, max_values)
    if data is None:
        raise SeedError("front matter is empty")
    if not isinstance(data, dict):
        raise SeedError(f"front matter must be a mapping of keys to values, not a {type(data).__name__}")
    return SeedDocument(path=path, content_hash=digest or content_hash(raw), data=data, body=body)


def decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SeedError(f"not UTF-8 text (invalid byte at offset {error.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text


def split_front_matter(text: str) -> tuple[str, str]:
    """Return (front matter, body) of a seed's text, already decoded and with LF line ends."""
    if not text.startswith("---\n") and text.rstrip(" \t") != "---":
        raise SeedError("no front matter: the first line must be '---'")
    start = 4
    position = start
    while True:
        end = text.find("\n", position)
        line = text[position:] if end == -1 else text[position:end]
        if line.rstrip(" \t") == "---":
            body_start = len(text) if end == -1 else end + 1
            return text[start:position], text[body_start:]
        if end == -1:
            raise SeedError("front matter is not closed: no second '---' line")
        position = end + 1


def load_yaml(front_matter: str, max_values: int = 20_000):
    try:
        if len(front_matter) > EVENT_SCAN_CHARS:
            count_events(front_matter, max_values)
        return yaml.load(front_matter, Loader=SeedLoader)  # noqa: S506 - a safe loader
    except SeedError:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # +2: line numbers count from the file's first line, which is the opening '---'.
        where = f" at line {mark.line + 2}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "invalid YAML"
        if isinstance(error, ConstructorError) and problem.startswith("could not determine a constructor"):
            problem = f"YAML tags are not allowed ({problem})"
        raise SeedError(f"YAML error{where}: {problem}") from None
    except yaml.YAMLError as error:
        # libyaml's reader errors (a control character, say) end in a second line: the position.
        raise SeedError(f"YAML error: {str(error).splitlines()[0]}") from None
    except RecursionError:
        raise SeedError("YAML error: nested too deeply") from None
    except VALUE_ERRORS as error:
        raise SeedError(f"YAML error: a value cannot be read ({type(error).__name__}: {error})") from None


def count_events(front_matter: str, max_values: int) -> None:
    """Refuse a front matter of more than ``max_values`` values from its YAML events, without building it.

    Each value costs at most three events (a key, a start and an end), so
    this refuses nothing that ``check_plain`` would accept.
    """
    limit = 3 * max_values + 10
    for count, _ in enumerate(yaml.parse(front_matter, Loader=SafeLoader)):
        if count > limit:
            raise SeedError(f"front matter holds more than {max_values:,} values")


class SeedLoader(SafeLoader):
    """The safe loader, refusing duplicate keys.

    Checking costs one length comparison per mapping: a mapping built from n
    pairs has n keys unless one repeats. Merge keys (``<<``) are the only
    legitimate way to get fewer, so the pairs a mapping had of its own are
    remembered when it merges others, and only those are searched.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.own_pairs = {}

    def flatten_mapping(self, node):
        own = node.value
        super().flatten_mapping(node)
        if node.value is not own:  # merged pairs were put in front; ``own`` lost its merge keys
            self.own_pairs[node] = own

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):
            self.refuse_duplicate_key(self.own_pairs.get(node, node.value))
        return mapping

    def refuse_duplicate_key(self, pairs) -> None:
        seen = set()
        for key_node, _ in pairs:
            key = self.construct_object(key_node)
            if key in seen:
                # +2: line numbers count from the file's first line, which is the opening '---'.
                raise SeedError(f"duplicate key {key!r:.60} at line {key_node.start_mark.line + 2}")
            seen.add(key)


def refuse_unfit_values(construct, kind: str, max_chars: int | None = None):
    """Wrap a scalar constructor so that a value its tag cannot hold is a YAML error at its line.

    ``max_chars`` bounds the scalar's text before it is read: YAML 1.1 reads
    "1:59:59:..." as a base-60 integer, in time that grows with the square of
    its length (half a minute for a megabyte).
    """

    def construct_checked(loader, node):
        if max_chars and len(node.value) > max_chars:
            problem = f"{kind} longer than {max_chars:,} characters"
            raise ConstructorError(None, None, problem, node.start_mark)
        try:
            return construct(loader, node)
        except VALUE_ERRORS:
            raise ConstructorError(None, None, f"{node.value!r:.60} is not a valid {kind}", node.start_mark) from None

    return construct_checked


for _tag, _kind, _max_chars in (
    ("int", "whole number", 1000),
    ("float", "number", None),
    ("bool", "true/false", None),
    ("timestamp", "date", None),
):
    _name = f"tag:yaml.org,2002:{_tag}"
    _construct = SafeConstructor.yaml_constructors[_name]
    SeedLoader.add_constructor(_name, refuse_unfit_values(_construct, _kind, _max_chars))
