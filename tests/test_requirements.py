"""requirements.txt pins everything that gets installed, and the audit of it reads PyPI's advisories right."""

import importlib.util
from importlib.metadata import distribution

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.paths import ROOT

spec = importlib.util.spec_from_file_location("audit_requirements", ROOT / ".ci" / "audit_requirements.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def test_every_package_the_pinned_ones_install_is_pinned_too():
    pinned = {canonicalize_name(name): version for name, version in audit.pins(ROOT / "requirements.txt")}
    missing, stack, seen = set(), list(pinned), set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in distribution(name).requires or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            dependency = canonicalize_name(requirement.name)
            if dependency not in pinned:
                missing.add(f"{dependency} (for {name})")
            stack.append(dependency)

    assert not missing


def test_the_installed_versions_are_the_pinned_ones():
    pinned = audit.pins(ROOT / "requirements.txt")

    assert [(name, distribution(name).version) for name, _ in pinned] == pinned


def project(latest, releases=(), vulnerabilities=()):
    return {
        "info": {"version": latest},
        "releases": {version: [{"filename": "x"}] for version in (*releases, latest)},
        "vulnerabilities": [{"id": advisory} for advisory in vulnerabilities],
    }


def test_a_latest_release_without_advisories_passes():
    assert audit.verdict("nh3", "0.3.8", project("0.3.8")) is None


def test_a_latest_release_with_advisories_fails_naming_them():
    problem = audit.verdict("pycrypto", "2.6.1", project("2.6.1", vulnerabilities=["PYSEC-2018-97", "GHSA-x"]))

    assert problem == (audit.FAIL, "pycrypto==2.6.1: known vulnerabilities: GHSA-x, PYSEC-2018-97")


def test_an_older_release_is_reported_as_not_audited():
    kind, line = audit.verdict("redis", "8.0.0", project("8.1.0", releases=["8.0.0"]))

    assert kind == audit.UNAUDITED
    assert "cannot be audited here, 8.1.0 is the latest" in line


@pytest.mark.parametrize(
    ("pinned", "releases", "expected"),
    [
        ("5.2.19", ["5.2.18", "5.2.19", "6.0"], None),
        ("5.2.9", ["5.2.9", "5.2.10", "6.0"], (audit.FAIL, "Django==5.2.9: 5.2.10 is out in the 5.2 series")),
    ],
)
def test_django_may_stay_on_the_newest_release_of_its_lts_series(pinned, releases, expected):
    finding = audit.verdict("Django", pinned, project("6.1.3", releases=releases))

    assert finding is None if expected is None else finding[:1] == expected[:1] and expected[1] in finding[1]


def test_an_unpinned_line_is_refused(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# comment\nDjango==5.2.19\nredis>=8\n")

    with pytest.raises(SystemExit, match="not pinned"):
        audit.pins(requirements)
