"""axe-core (vendored: tests/browser/vendor/, no network) run in the page Playwright drives."""

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SERIOUS = {"serious", "critical"}


def axe_violations(page, impacts=frozenset(SERIOUS)) -> list[dict]:
    """axe-core's violations on the page as it is now, of the given impacts: rule, impact, and the elements."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so the page's CSP (no inline script) does not apply.
        page.evaluate(AXE_SOURCE)
    results = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [
                (" ".join(node["target"]) if isinstance(node["target"][0], str) else str(node["target"]))
                + " :: "
                + node.get("failureSummary", "").replace("\n", " ")[:300]
                for node in violation["nodes"]
            ],
        }
        for violation in results["violations"]
        if violation["impact"] in impacts
    ]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['rule']} ({v['help']}):\n  " + "\n  ".join(v["nodes"][:8]) for v in violations)
