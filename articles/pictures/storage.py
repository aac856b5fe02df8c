"""A file-system storage whose files appear whole or not at all.

Django's ``FileSystemStorage`` writes straight to the final name, so a process
killed mid-write leaves a half-written file there. Here the bytes go to a
temporary file in ``.partial/`` on the same file system, are flushed to disk,
and are then renamed into place (atomic on POSIX). Names are content-addressed,
so a file that exists already has the right bytes: it is kept (``exists`` is
the caller's check), and an ``os.replace`` over it would write the same bytes.
Leftovers in ``.partial/`` (a killed writer's) are removed by ``sweep_partial``.
"""

import os
import tempfile
import time
from pathlib import Path

from django.core.files.storage import FileSystemStorage

PARTIAL = ".partial"


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = Path(self.path(name))
        full_path.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(self.location) / PARTIAL
        partial.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=partial, prefix=f"{os.getpid()}-{full_path.name}.")
        try:
            with os.fdopen(descriptor, "wb") as out:
                if hasattr(content, "chunks"):
                    for chunk in content.chunks():
                        out.write(chunk)
                else:
                    out.write(content.read())
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, full_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return str(name).replace("\\", "/")

    def get_available_name(self, name, max_length=None):
        return name  # content-addressed: the same name is the same bytes

    def sweep_partial(self, older_than: float = 0) -> int:
        """Remove temporary files left by writers that died; returns how many.

        A file is a dead writer's when the process named in it (``pid-``) is
        gone, or, for a folder shared by machines, when it is older than
        ``older_than`` seconds.
        """
        partial = Path(self.location) / PARTIAL
        if not partial.is_dir():
            return 0
        removed = 0
        for path in partial.iterdir():
            try:
                if not writer_alive(path.name) or time.time() - path.stat().st_mtime >= older_than:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed


def writer_alive(name: str) -> bool:
    pid = name.split("-", 1)[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
