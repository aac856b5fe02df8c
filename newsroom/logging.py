"""Log lines on stderr: one JSON object per line for machines, plain text for a person at a terminal.

JSON lines let request and import logs be searched and summed. They are what
production writes (DEBUG off), and what any process writes whose stderr is not
a terminal (a log collector, cron's mail, a pipe). A person at a terminal in
development reads plain text instead, without the event lines below WARNING
(a request's line, an import run's summary): the development server and the
command already show that person the same thing in their own words.
"""

import json
import logging
from datetime import UTC, datetime
from functools import cached_property

from django.conf import settings

from articles.text import one_line


class PlainFormatter(logging.Formatter):
    """``LEVEL logger: message``, the message on one line whatever it quotes (a file's name, say)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return f"{record.levelname} {record.name}: {one_line(record.message, limit=None)}"


class JsonFormatter(logging.Formatter):
    """Formats a record as JSON: time, level, logger, message, plus the record's ``fields`` dict."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def for_a_person(stream, *, debug: bool) -> bool:
    """Whether log lines written to ``stream`` are read by a person rather than collected: development, a terminal."""
    isatty = getattr(stream, "isatty", None)
    return debug and bool(isatty and isatty())


class StderrHandler(logging.StreamHandler):
    """A stream handler (stderr by default) that writes for whoever reads it; see the module docstring.

    Its formatter (``JsonFormatter`` in the settings) is used unless a person reads the stream.
    """

    @cached_property
    def for_a_person(self) -> bool:
        return for_a_person(self.stream, debug=settings.DEBUG)

    def filter(self, record: logging.LogRecord):
        if self.for_a_person and hasattr(record, "fields") and record.levelno < logging.WARNING:
            return False
        return super().filter(record)

    def format(self, record: logging.LogRecord) -> str:
        return PLAIN.format(record) if self.for_a_person else super().format(record)


PLAIN = PlainFormatter()
