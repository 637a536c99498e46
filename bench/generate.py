"""Generate a corpus shaped like the real sample, at any size, deterministically.

    .venv/bin/python -m bench.generate OUTDIR --documents 100000 [--seed 1]

Like the real documents: 85% unpublished, a tenth without a `published` key (and then without
quality and heat; the real sample has a fifth, which cannot go with 85% unpublished), CRLF line
ends in some files, HTML entities (some double-encoded) and newlines in excerpts, null topics, a
few missing webUrl (originalUrl instead), duplicate URLs, related lists of 0-8 items (a few over
100, some without a URL), site-relative image URLs, provider names that vary for one domain, and a
`secured` blob.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

TOPICS = [
    "AI",
    "Computer Vision",
    "Power Apps",
    "Machine Learning",
    "Robotics",
    "Cloud",
    "Security",
    "Privacy",
    "Économie",
    "Energy",
    "Climate",
    "Health",
    "Biotech",
    "Space",
    "Chips",
    "Quantum",
    "Startups",
    "Policy",
    "Education",
    "Mobility",
    "Gaming",
    "Retail",
    "Finance",
    "Media",
    "Sport",
    "Culture",
    "Agriculture",
    "Logistics",
    "Telecom",
    "Open Source",
    "Data Science",
    "Natural Language Processing",
    "Ethics",
    "Jobs",
    "Research",
    "Hardware",
    "Software",
    "Cybersecurity",
    "Smart Cities",
    "Drones",
]
UNPUBLISHED = 0.85
NO_FLAG = 0.10
WORDS = ["council", "market", "model", "launch", "report", "study", "review", "plan", "growth", "service"]


def provider(rng: random.Random, n_providers: int) -> tuple[str, str]:
    p = rng.randrange(n_providers)
    domain = f"{'www.' if p % 3 == 0 else ''}outlet{p}.example"
    name = f"Outlet {p}" if rng.random() > 0.1 else f"The Outlet {p}"
    return name, domain


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def document(rng: random.Random, n: int, total: int, start: dt.datetime) -> tuple[str, str]:
    when = start + dt.timedelta(minutes=rng.randrange(60 * 24 * 365 * 5))
    slug = f"story-{n}"
    name, domain = provider(rng, max(10, total // 250))
    url = f"https://{domain.removeprefix('www.')}/news/{when:%Y/%m}/{slug}"
    if rng.random() < 0.01:  # the same article syndicated twice
        url = f"https://{domain.removeprefix('www.')}/news/shared-{n % 97}"
    title = f"{sentence(rng, rng.randint(4, 10))} {n}"
    excerpt = sentence(rng, rng.randint(15, 40))
    if rng.random() < 0.2:
        excerpt = excerpt.replace(" ", " &amp; ", 1).replace(" ", " it&#8217;s ", 1)
    if rng.random() < 0.05:
        excerpt += " it&amp;#39;s\\nnext line"
    lines = [
        "---",
        "category: news",
        f'title: "{title}"',
        f'excerpt: "{excerpt}"',
        f"publishedDateTime: {when:%Y-%m-%dT%H:%M:%SZ}",
    ]
    lines.append(f'{"originalUrl" if rng.random() < 0.02 else "webUrl"}: "{url}"')
    lines.append("type: article")
    if rng.random() >= NO_FLAG:  # documents without the key are visible (and have no quality or heat)
        lines += [f"quality: {rng.randint(0, 120)}", f"heat: {rng.randint(-1, 120)}"]
        lines.append(f"published: {'false' if rng.random() < UNPUBLISHED / (1 - NO_FLAG) else 'true'}")
    lines += ["", "provider:", f"  name: {name}", f"  domain: {domain}", "", "topics:"]
    for topic in rng.sample(TOPICS, rng.randint(1, 3)):
        lines.append(f"  - {topic}")
    if rng.random() < 0.05:
        lines.append("  -")
    if rng.random() < 0.9:
        image = (
            f"https://img.{domain.removeprefix('www.')}/{n}.jpg"
            if rng.random() > 0.02
            else f"/assets/{n}.jpg"
        )
        lines += [
            "",
            "images:",
            f'  - url: "{image}"',
            "    width: 1200",
            "    height: 675",
            "    isCached: true",
        ]
    related = rng.choice([0, 0, 1, 2, 3, 4, 6, 8]) if rng.random() > 0.002 else rng.randint(101, 140)
    if related:
        lines += ["", "related:"]
    for _ in range(related):
        other = rng.randrange(total)
        r_name, r_domain = provider(rng, max(10, total // 250))
        lines.append(f'  - title: "{sentence(rng, 6)} {other}"')
        if rng.random() > 0.03:
            lines.append(f'    webUrl: "https://{r_domain.removeprefix("www.")}/news/related/story-{other}"')
        lines += [
            f"    publishedDateTime: {when + dt.timedelta(hours=rng.randint(-48, 48)):%Y-%m-%dT%H:%M:%SZ}",
            "    provider:",
            f"      name: {r_name}",
            f"      domain: {r_domain}",
        ]
    lines += ["", f'secured: "{rng.randbytes(120).hex()};{rng.randbytes(12).hex()}"', "---", ""]
    text = "\n".join(lines)
    if rng.random() < 0.07:
        text = text.replace("\n", "\r\n")
    return f"{when:%Y}/{when:%m}/{when:%Y-%m-%d}-{slug}.md", text


PROBE_TOPIC = "Probe"
PROBE_DOCUMENTS = 50


def probe(out: Path) -> None:
    """The same 50 visible documents in every generated corpus, the only ones in topic "Probe": its
    feed has the same bytes at every corpus size, so render costs compare like with like."""
    rng = random.Random(2026)
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # five years from here: all in the past
    for n in range(PROBE_DOCUMENTS):
        _, text = document(rng, n, 1000, start)
        lines = [line for line in text.replace("\r\n", "\n").split("\n") if not line.startswith("published:")]
        text = "\n".join(lines)
        text = text.replace("topics:\n", f"topics:\n  - {PROBE_TOPIC}\n", 1)
        for topic in TOPICS:  # only the probe topic: the other topics' feeds stay as generated
            text = text.replace(f"\n  - {topic}\n", "\n")
        text = text.replace("/news/", "/probe/", 1).replace("  -\n", "")
        path = out / "probe" / f"probe-{n}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def generate(out: Path, documents: int, seed: int = 1) -> Path:
    """`documents` documents shaped like the real sample, plus the 50 of `probe`."""
    probe(out)
    rng = random.Random(seed)
    start = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
    folders: set[Path] = set()
    for n in range(documents):
        rel, text = document(rng, n, documents, start)
        path = out / rel
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        path.write_bytes(text.encode("utf-8"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.documents, args.seed)
    print(f"wrote {args.documents} documents under {args.out}")


if __name__ == "__main__":
    main()
