"""What a run of the importer did: a count per outcome, the failures and conflicts, the summary line."""

from dataclasses import dataclass, field

from ..models import SeedFile

Outcome = SeedFile.Outcome

# The counts of the run's log line, by their names there.
REPORT_COUNTS = ("created", "updated", "unchanged", "conflicts", "repaired", "failed", "files")
COUNTED_AS = {
    Outcome.CREATED: "created",
    Outcome.UPDATED: "updated",
    Outcome.UNCHANGED: "unchanged",
    Outcome.CONFLICT: "conflicts",
    Outcome.FAILED: "failed",
}


@dataclass
class ImportReport:
    """Counts by outcome; the paths and reasons of failed files and the paths of conflicts, escaped
    to one line each (``text.one_line``) for showing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    repaired: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    conflict_paths: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome, files: int = 1) -> None:
        attribute = COUNTED_AS[outcome]
        setattr(self, attribute, getattr(self, attribute) + files)

    @property
    def files(self) -> int:
        return self.created + self.updated + self.unchanged + self.conflicts + self.failed

    @property
    def rate(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.conflicts} conflicts, {self.repaired} repaired, {self.failed} failed "
            f"in {self.seconds:.1f}s ({self.rate:,.0f} files/s)"
        )

    def log_fields(self, *, dry_run: bool) -> dict:
        """The run's log line, as ``newsroom.logging.JsonFormatter`` writes a record's ``fields``."""
        return {
            "event": "import",
            "dry_run": dry_run,
            **{name: getattr(self, name) for name in REPORT_COUNTS},
            "seconds": round(self.seconds, 3),
        }
