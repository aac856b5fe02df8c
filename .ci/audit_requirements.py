#!/usr/bin/env python3
"""Known vulnerabilities in requirements.txt, from PyPI's advisory data (OSV): an equivalent of pip-audit.

pip-audit asks PyPI about each pinned release (``/pypi/NAME/VERSION/json``);
where Newsroom is built, that address answers 404 for every package, and
pip-audit then reports "not found" and exits 0: a green that means nothing.
The project address (``/pypi/NAME/json``) does answer, and lists the known
vulnerabilities of the project's *latest* release. So every pin must be a
latest release, which makes the answer exact; a pin that is not is a
failure, not a pass. One exception, by name: a long-term-support series
(Django 5.2, the last to support Python 3.10 and 3.11) may be pinned at the
newest release of its series, because its maintainers publish every
security fix as a new release of each supported series at once; a newer
release in the series therefore fails the audit until the pin moves to it.

Run by .ci/run and `make audit`. Exit status 0 clean, 1 a finding or a pin
that cannot be audited, 2 PyPI unreachable. Standard library only.
"""

import json
import re
import sys
import urllib.request
from pathlib import Path

PYPI = "https://pypi.org/pypi/{name}/json"
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)")
# Pinned at the newest release of a series rather than the newest release: name -> series.
LTS_SERIES = {"django": "5.2"}


def pins(requirements: Path) -> list[tuple[str, str]]:
    found = []
    for line in requirements.read_text().splitlines():
        match = PIN.match(line)
        if match:
            found.append((match.group(1), match.group(2)))
        elif line.split("#")[0].strip():
            raise SystemExit(f"{requirements}: not pinned with ==: {line.strip()}")
    return found


def release_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else -1 for part in re.split(r"[.+-]", version))


def verdict(name: str, pinned: str, project: dict) -> str | None:
    """None when ``name==pinned`` has no known vulnerability; otherwise what is wrong, on one line."""
    latest = project["info"]["version"]
    advisories = project.get("vulnerabilities") or []
    if pinned == latest:
        if advisories:
            ids = ", ".join(sorted(advisory["id"] for advisory in advisories))
            return f"{name}=={pinned}: known vulnerabilities: {ids}"
        return None
    series = LTS_SERIES.get(name.lower())
    if series and (pinned == series or pinned.startswith(series + ".")):
        newest = max(
            (v for v in project["releases"] if (v == series or v.startswith(series + ".")) and project["releases"][v]),
            key=release_key,
        )
        if pinned == newest:
            return None
        return f"{name}=={pinned}: {newest} is out in the {series} series (a security release, perhaps): move to it"
    return f"{name}=={pinned}: cannot be audited here, {latest} is the latest release: move to it"


def fetch(name: str) -> dict:
    with urllib.request.urlopen(PYPI.format(name=name), timeout=30) as response:  # noqa: S310 - a fixed https address
        return json.load(response)


def main() -> int:
    requirements = Path(
        sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "requirements.txt"
    )
    problems = []
    pinned = pins(requirements)
    for name, version in pinned:
        try:
            project = fetch(name)
        except OSError as error:
            print(f"cannot reach PyPI for {name}: {error}", file=sys.stderr)
            return 2
        problem = verdict(name, version, project)
        if problem:
            problems.append(problem)
    for problem in problems:
        print(problem)
    print(f"{len(pinned)} pinned packages audited against PyPI's advisories: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
