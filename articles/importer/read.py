"""Files in, records out: reading and hashing a chunk ahead, parsing and validating in worker processes.

The run reads and hashes the next chunk of files in a thread (``one_ahead``)
while it writes this one; the files whose bytes are new go to a pool of
parser processes (``parser_pool``), each of which turns bytes into a record
or the reason they cannot be one (``parse_and_validate``).
"""

import gc
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import django

from .parse import SeedError, content_hash, parse_seed, read_bytes
from .validate import Limits, SeedRecord, validate_seed

logger = logging.getLogger("newsroom.import")


@dataclass(frozen=True)
class Rejected:
    """A file that is not imported, and why."""

    path: str
    reason: str


# What a parser process gets for one file: its path, bytes, their hash and the limits to hold it to.
ReadFile = tuple[str, bytes, str, Limits]


def read_files(chunk: list[Path], max_bytes: int, limits: Limits) -> list[ReadFile | Rejected]:
    """(path, bytes, hash, limits) of each file of ``chunk``, or why it cannot be read."""
    items = []
    for path in chunk:
        try:
            raw = read_bytes(path, max_bytes)
        except SeedError as error:
            items.append(Rejected(str(path), str(error)))
        except OSError as error:
            items.append(Rejected(str(path), f"cannot read it: {error.strerror or error}"))
        else:
            items.append((str(path), raw, content_hash(raw), limits))
    return items


def one_ahead(function: Callable, items: Iterable) -> Iterator:
    """``function(item)`` for each of ``items``, in order, the next one computed in a thread meanwhile.

    The importer reads and hashes the next chunk of files while it writes
    this one: the writer spends much of its time waiting for the database,
    with the GIL released, and reading files mostly waits for the kernel.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="seed-reader") as executor:
        pending = None
        for item in items:
            future = executor.submit(function, item)
            if pending:
                yield pending.result()
            pending = future
        if pending:
            yield pending.result()


def default_workers(file_count: int) -> int:
    # Below a few hundred files, starting processes costs more than it saves.
    return min(os.cpu_count() or 1, 4) if file_count >= 400 else 1


@contextmanager
def parser_pool(workers: int):
    """``map`` over worker processes (parsing YAML is CPU-bound), or in this process for one worker."""
    if workers <= 1:
        yield map
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    # Forked workers share the parent's memory copy-on-write until their garbage
    # collector walks it (writing each object's header); frozen objects are skipped.
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=start_parser, initargs=(os.getpid(),)
        ) as executor:
            # Fork every worker now, while this process has no threads of its own: a thread
            # forked mid-way could leave a lock taken in the copy for good.
            executor.submit(int).result()
            yield lambda function, items: executor.map(function, items, chunksize=32)
    finally:
        gc.unfreeze()


def start_parser(import_pid: int) -> None:
    """Set up a parser process, and have it exit when the import process is gone.

    An import killed outright (SIGKILL, the OOM killer) cannot stop its parser
    processes, and they would wait for work forever: each holds a copy of the
    pipe it reads from, so it never sees the pipe close.
    """
    django.setup()
    threading.Thread(target=exit_with, args=(import_pid,), daemon=True).start()


def exit_with(import_pid: int) -> None:
    while os.getppid() == import_pid:
        time.sleep(0.5)
    os._exit(1)


def parse_and_validate(item: ReadFile) -> SeedRecord | Rejected:
    """Bytes -> record, or the reason they cannot be one. Runs in worker processes."""
    path, raw, digest, limits = item
    try:
        return validate_seed(parse_seed(raw, path, digest, limits.max_values), limits)
    except SeedError as error:
        return Rejected(path, str(error))
    except Exception as error:  # a bug must cost one file, not the run
        logger.exception("unexpected error reading %s", path)
        return Rejected(path, f"unexpected error ({type(error).__name__}: {error}); please report it")
