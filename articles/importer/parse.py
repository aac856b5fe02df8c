"""Stage 1: a file on disk -> a parsed seed document (front matter + body).

Only this module reads bytes and YAML. YAML is loaded with the safe loader
(libyaml's C implementation when present), so tags such as
``!!python/object`` are refused rather than executed.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SEED_SUFFIXES = {".md", ".txt"}


class SeedError(ValueError):
    """A seed file that cannot be accepted; the message is for a person."""


@dataclass(frozen=True)
class SeedDocument:
    path: str
    content_hash: str
    data: dict
    body: str


def is_seed_name(path: Path) -> bool:
    # A README beside seed files documents them; it is not one of them.
    return path.suffix.lower() in SEED_SUFFIXES and not path.stem.upper().startswith("README")


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
            raise FileNotFoundError(f"{raw}: no such file or directory")
    return found


def read_bytes(path: Path, max_bytes: int) -> bytes:
    with open(path, "rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise SeedError(f"file is larger than the limit of {max_bytes:,} bytes")
    return raw


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


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


def load_yaml(front_matter: str):
    try:
        return yaml.load(front_matter, Loader=SafeLoader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # +2: line numbers count from the file's first line, which is the opening '---'.
        where = f" at line {mark.line + 2}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "invalid YAML"
        if isinstance(error, yaml.constructor.ConstructorError) and "tag" in problem:
            problem = f"YAML tags are not allowed ({problem})"
        raise SeedError(f"YAML error{where}: {problem}") from None
    except yaml.YAMLError as error:
        raise SeedError(f"YAML error: {error}") from None
    except RecursionError:
        raise SeedError("YAML error: nested too deeply") from None


def parse_seed(raw: bytes, path: str, digest: str | None = None) -> SeedDocument:
    front_matter, body = split_front_matter(decode(raw))
    data = load_yaml(front_matter)
    if data is None:
        raise SeedError("front matter is empty")
    if not isinstance(data, dict):
        raise SeedError(f"front matter must be a mapping of keys to values, not a {type(data).__name__}")
    return SeedDocument(path=path, content_hash=digest or content_hash(raw), data=data, body=body)
