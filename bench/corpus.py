"""Write N realistic, deterministic seed files for benchmarks.

    python bench/corpus.py --count 10000 --out /tmp/corpus

The files look like the feeds Newsroom imports: the field order and quoting of
the sample seed, providers and topics drawn from fixed pools (so they repeat
as in a real feed, with a long tail), one to three images, related coverage
on some, a Markdown body on about a third, mojibake on about 5 % and a later
version of an earlier webUrl on about 3 %. Same --count and --seed, same bytes.
"""

import argparse
import base64
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROVIDERS = [
    ("Reuters", "reuters.com"),
    ("Associated Press", "apnews.com"),
    ("BBC News", "bbc.co.uk"),
    ("The Guardian", "theguardian.com"),
    ("Ars Technica", "arstechnica.com"),
    ("The Verge", "theverge.com"),
    ("Le Monde", "lemonde.fr"),
    ("Süddeutsche Zeitung", "sueddeutsche.de"),
    ("El País", "elpais.com"),
    ("Nikkei Asia", "asia.nikkei.com"),
    ("AWS", "aws.amazon.com"),
    ("Microsoft", "microsoft.com"),
] + [(f"Local Gazette {n:03d}", f"gazette{n:03d}.example") for n in range(200)]
TOPICS = [
    "AI",
    "Machine Learning",
    "Computer Vision",
    "Robotics",
    "Privacy",
    "Cybersecurity",
    "Cloud Computing",
    "Climate",
    "Energy",
    "Space",
    "Health",
    "Policy",
    "Regulation",
    "Elections",
    "Economy",
    "Startups",
    "Open Source",
    "Data Science",
    "Semiconductors",
    "Education",
    "Transport",
    "Housing",
    "Media",
    "Human Rights",
    "Power Apps",
    "Power Platform",
]
SUBJECTS = ["Regulators", "Researchers", "A startup", "The council", "Lawmakers", "Engineers", "Investors"]
VERBS = ["approve", "question", "unveil", "delay", "investigate", "fund", "expand", "test"]
OBJECTS = [
    "facial recognition rules",
    "a new language model",
    "battery recycling targets",
    "drone delivery permits",
    "chip export controls",
    "a carbon-capture pilot",
    "rent caps for the city centre",
    "an open data portal",
]
SENTENCES = [
    "The decision follows months of negotiation between member states and industry.",
    "Critics say the measure does not go far enough to protect fundamental rights.",
    "Supporters called it “a big win” for transparency.",
    "The company declined to comment on the report’s findings.",
    "Officials in Zürich, São Paulo and Kraków are watching closely.",
    "Early tests show a 12 % improvement over last year’s systems.",
]
BODY = (
    "## What happened\n\nThe proposal requires **independent audits** before deployment.\n\n"
    "- Consultation opens in March\n- A first review follows after 18 months\n\n"
    "> “Rights are unconditional,” one member said.\n\nRead the [full text](https://example.org/text).\n"
)


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="replace")


def images(rng: random.Random, indent: str, count: int) -> list[str]:
    lines = []
    for _ in range(count):
        width = rng.choice([640, 1024, 1200, 1600])
        lines += [
            f'{indent}- url: "https://img.example.net/{rng.getrandbits(40):010x}/{width}.jpg"',
            f"{indent}  width: {width}",
            f"{indent}  height: {width * 9 // 16}",
            f"{indent}  isCached: {'true' if rng.random() < 0.8 else 'false'}",
        ]
    return lines


def seed_text(rng: random.Random, index: int, urls: list[str]) -> str:
    when = datetime(2019, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(8 * 365 * 86400))
    title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} — part {index}"
    excerpt = " ".join(rng.sample(SENTENCES, rng.randint(1, 3)))
    if rng.random() < 0.05:
        title, excerpt = mojibake(title), mojibake(excerpt)
    name, domain = rng.choice(PROVIDERS)
    if urls and rng.random() < 0.03:
        url = rng.choice(urls)
    else:
        url = f"https://www.{domain}/{when:%Y/%m/%d}/story-{index}"
        urls.append(url)
    secured = base64.b64encode(rng.randbytes(192)).decode() + ";" + base64.b64encode(rng.randbytes(16)).decode()
    lines = [
        "---",
        "category: news",
        f"title: {q(title)}",
        f"excerpt: {q(excerpt)}",
        f"publishedDateTime: {when:%Y-%m-%dT%H:%M:%SZ}",
        f"originalUrl: {q(url)}",
        f"webUrl: {q(url)}",
        f"type: {rng.choice(['article', 'article', 'article', 'video'])}",
        f"quality: {rng.randint(0, 189)}",
        f"heat: {-1 if rng.random() < 0.3 else rng.randint(0, 189)}",
        f"published: {'true' if rng.random() < 0.6 else 'false'}",
        "",
        "provider:",
        f"  name: {q(name)}",
        f"  domain: {domain}",
        "",
        "topics:",
        *(f"  - {q(topic)}" for topic in rng.sample(TOPICS, rng.randint(1, 4))),
        "",
        "images:",
        *images(rng, "  ", rng.randint(1, 3)),
    ]
    if rng.random() < 0.3:
        lines += ["", "related:"]
        for number in range(rng.randint(1, 3)):
            other_name, other_domain = rng.choice(PROVIDERS)
            link = f"https://www.{other_domain}/{when:%Y/%m/%d}/coverage-{index}-{number}"
            lines += [
                f"  - title: {q(rng.choice(SUBJECTS) + ' ' + rng.choice(VERBS) + ' ' + rng.choice(OBJECTS))}",
                f"    excerpt: {q(rng.choice(SENTENCES))}",
                f"    publishedDateTime: {when + timedelta(hours=number + 1):%Y-%m-%dT%H:%M:%SZ}",
                f"    webUrl: {q(link)}",
                f"    ampWebUrl: {q(link + '/amp')}",
                "    type: article",
                "    provider:",
                f"      name: {q(other_name)}",
                f"      domain: {other_domain}",
                f"    quality: {rng.randint(0, 100)}",
                "    images:",
                *images(rng, "      ", 1),
            ]
    lines += ["", f"secured: {q(secured)}", "---", ""]
    if rng.random() < 0.3:
        lines.append(BODY)
    return "\n".join(lines)


def write_corpus(count: int, out: Path, seed: int = 2026) -> list[Path]:
    rng = random.Random(seed)
    urls: list[str] = []
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        # 1,000 files a folder, as a feed archive would be laid out.
        folder = out / f"{index // 1000:04d}"
        folder.mkdir(exist_ok=True)
        path = folder / f"{index:07d}.md"
        path.write_text(seed_text(rng, index, urls), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="How many files (default 10,000).")
    parser.add_argument("--out", type=Path, required=True, help="Directory to write into.")
    parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
    args = parser.parse_args()
    write_corpus(args.count, args.out, args.seed)
    print(f"wrote {args.count} seed files to {args.out}")


if __name__ == "__main__":
    main()
