"""Every feed and page has a file name of its own: no provider's domain names another feed's file.

A provider's slug is its domain, so `news.atom` named the Atom feed of the provider `news` (the
server answered that feed at `/providers/news.atom`, and the export failed, a folder where it had
written a file); `news.atom.gz` named its gzip variant, and `index.html` an HTML page. A domain whose
last label is an ending of the site's files (`atom`, `rss`, `json`, `gz`, `html`: no top-level domain
is one) is left out with a warning, and the provider goes by its name.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feeds.exportfiles import META

from .helpers import BASE, document, write_corpus
from .test_export import answer, url_of

ENDINGS = ["atom", "rss", "json", "gz", "html", "com", "org"]
domains = st.builds(
    lambda stem, endings: ".".join([stem, *endings]),
    st.sampled_from(["news", "index", "www.news", "all", "page"]),
    st.lists(st.sampled_from(ENDINGS), min_size=1, max_size=3),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(domains, min_size=1, max_size=4, unique=True))
@example(["news.atom"])
@example(["news.atom.gz"])
@example(["index.html"])
def test_any_provider_domains_export_whole_and_as_the_server_answers(names: list[str]) -> None:
    """Providers with these domains beside one called `News` with none (slug `news`): the export
    ends, every file it writes is what the server answers at its URL, and each provider's own feed
    is its own."""
    from feeds import create_app

    docs = {"plain.md": document(n=1, provider={"name": "News"})}
    for n, domain in enumerate(names, 2):
        docs[f"d{n}.md"] = document(n=n, title=f"From {domain}", provider={"name": f"P{n}", "domain": domain})
    with tempfile.TemporaryDirectory() as tmp:
        content = write_corpus(Path(tmp) / "content", docs)
        config = {"TESTING": True, "CONTENT_DIR": str(content), "BASE_URL": BASE, "WATCH": "off"}
        app = create_app(config | {"PARSE_CACHE": "off", "DATA_DIR": str(Path(tmp) / "data")})
        out = Path(tmp) / "site"
        result = app.test_cli_runner().invoke(args=["export", str(out)])
        assert result.exit_code == 0, result.output
        client = app.test_client()
        for line in (out / META / "manifest").read_text().splitlines():
            name = line.split("\t")[0]
            response = answer(client, url_of(name.removesuffix(".gz")), "", name.endswith(".gz"))
            assert response.status_code == 200, name
            assert (out / name).read_bytes() == response.get_data(), name
        plain = answer(client, "/providers/news.atom").get_data(as_text=True)
        assert "Article number 1" in plain
        for n, domain in enumerate(names, 2):  # each in exactly one provider feed: its own
            holding = [p for p in (out / "providers").glob("*.atom") if f"From {domain}<" in p.read_text()]
            assert len(holding) == 1, (domain, holding)
            if domain.rpartition(".")[2] in ENDINGS[:5]:
                assert holding[0].name == f"p{n}.atom"  # by its name
