#!/usr/bin/env python3
"""Known vulnerabilities in requirements.txt, from PyPI's advisory data (OSV): an equivalent of pip-audit.

pip-audit asks PyPI about each pinned release (``/pypi/NAME/VERSION/json``);
where Newsroom is built, that address answers 404 for every package, and
pip-audit then reports "not found" and exits 0: a green that means nothing.
The project address (``/pypi/NAME/json``) does answer, and lists the known
vulnerabilities of the project's *latest* release. So a pin that is a latest
release gets an exact answer, and one that is not cannot be audited here: it
is reported, and fails the run with ``--strict`` (``make audit``). CI runs
without it, so that a package's new release, which says nothing about the
code, cannot block every change until the pin moves. One exception, by name:
a long-term-support series (Django 5.2, the last to support Python 3.10 and
3.11) may be pinned at the newest release of its series, because its
maintainers publish every security fix as a new release of each supported
series at once; a newer release in the series is therefore treated as a
security release and fails the audit until the pin moves to it.

Run by .ci/run and `make audit`. Exit status 0 clean, 1 a known vulnerability
or a Django security release not taken (or, with ``--strict``, a pin that
cannot be audited), 2 PyPI unreachable. Standard library only.
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


FAIL, UNAUDITED = "fail", "unaudited"


def verdict(name: str, pinned: str, project: dict) -> tuple[str, str] | None:
    """None when ``name==pinned`` has no known vulnerability; otherwise (FAIL or UNAUDITED, a line saying why)."""
    latest = project["info"]["version"]
    advisories = project.get("vulnerabilities") or []
    if pinned == latest:
        if advisories:
            ids = ", ".join(sorted(advisory["id"] for advisory in advisories))
            return FAIL, f"{name}=={pinned}: known vulnerabilities: {ids}"
        return None
    series = LTS_SERIES.get(name.lower())
    if series and (pinned == series or pinned.startswith(series + ".")):
        newest = max(
            (v for v in project["releases"] if (v == series or v.startswith(series + ".")) and project["releases"][v]),
            key=release_key,
        )
        if pinned == newest:
            return None
        return FAIL, f"{name}=={pinned}: {newest} is out in the {series} series (a security release): move to it"
    return UNAUDITED, f"{name}=={pinned}: cannot be audited here, {latest} is the latest release: move to it"


def fetch(name: str) -> dict:
    with urllib.request.urlopen(PYPI.format(name=name), timeout=30) as response:  # noqa: S310 - a fixed https address
        return json.load(response)


def main() -> int:
    arguments = [argument for argument in sys.argv[1:] if argument != "--strict"]
    strict = "--strict" in sys.argv[1:]
    requirements = Path(arguments[0]) if arguments else Path(__file__).resolve().parent.parent / "requirements.txt"
    pinned = pins(requirements)
    findings = []
    for name, version in pinned:
        try:
            project = fetch(name)
        except OSError as error:
            print(f"cannot reach PyPI for {name}: {error}", file=sys.stderr)
            return 2
        finding = verdict(name, version, project)
        if finding:
            findings.append(finding)
    for kind, line in findings:
        print(f"{'warning: ' if kind == UNAUDITED and not strict else ''}{line}")
    failed = [line for kind, line in findings if kind == FAIL or strict]
    unaudited = len([kind for kind, _ in findings if kind == UNAUDITED])
    print(
        f"{len(pinned)} pinned packages against PyPI's advisories: "
        f"{len(pinned) - unaudited} audited, {unaudited} not the latest release (not audited), {len(failed)} failures"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
