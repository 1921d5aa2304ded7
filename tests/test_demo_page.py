"""The demo's HTML report as a person sees it: rendered by headless Chromium (playwright),
then read back from the laid-out page: every plot loaded and shown at its own size, no
text running out of its cell or off the page, one heading per section, in order.

Chromium comes from playwright's own download or from the system (Debian: `apt-get install
chromium`); the test is skipped, saying how to get one, only when neither exists.
"""

from __future__ import annotations

import os
import random
import shutil
import string
from pathlib import Path

import pytest

from agentmem import report

pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
pytestmark = pytest.mark.slow
SHOTS = os.environ.get("AGENTMEM_TEST_SCREENSHOTS")  # a folder: keep the screenshots there


def _browser(playwright):
    """playwright's Chromium, else the system's; None when there is neither."""
    try:
        return playwright.chromium.launch()
    except Exception as exc:  # playwright's own build is not installed
        system = next(
            (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if
             shutil.which(n)),
            None,
        )  # fmt: skip
        if system is None:
            pytest.skip(
                f"no Chromium to render the page ({str(exc).splitlines()[0]}): install one "
                "with `apt-get install chromium` or `playwright install chromium`"
            )
        return playwright.chromium.launch(executable_path=system, args=["--no-sandbox"])


def _render(path: Path, name: str, width: int) -> dict:
    """Open the page in a window `width` pixels wide; return its measured layout."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
        layout = page.evaluate(
            r"""() => ({
              pageWidth: document.documentElement.scrollWidth,
              viewWidth: window.innerWidth,
              headings: [...document.querySelectorAll('h2')].map(h => h.textContent),
              images: [...document.images].map(i => ({
                complete: i.complete, natural: i.naturalWidth, shown: i.clientWidth,
                right: i.getBoundingClientRect().right})),
              cells: [...document.querySelectorAll('td, th')]
                .filter(c => c.scrollWidth > c.clientWidth + 1)
                .map(c => c.textContent.slice(0, 60)),
              brokenWords: [...document.querySelectorAll('td, th')]
                .filter(c => /^\S{1,12}$/.test(c.textContent.trim()))
                .filter(c => { const r = document.createRange(); r.selectNodeContents(c);
                               return r.getClientRects().length > 1; })
                .map(c => c.textContent),
              tables: [...document.querySelectorAll('table')]
                .map(t => t.getBoundingClientRect().right),
            })"""
        )
        browser.close()
    return layout


def _words(rng: random.Random, n: int) -> str:
    return " ".join(
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 11))) for _ in range(n)
    )


def _sections(rng: random.Random) -> list[dict]:
    """Report sections of the shapes the demo writes, filled with generated text: long
    cells, an unbroken token, many bars with long labels, a few with short ones."""
    long_labels = [f"{_words(rng, 3)} ({i})" for i in range(rng.randint(7, 12))]
    short = ["alpha", "beta", "gamma", "delta"]
    return [
        {
            "heading": _words(rng, 4),
            "text": _words(rng, 40),
            "rows": [
                {
                    "who": _words(rng, 1),
                    "said": _words(rng, rng.randint(5, 60)),
                    "score": rng.random(),
                    "id": "".join(rng.choices("0123456789abcdef", k=rng.randint(64, 200))),
                }
                for _ in range(rng.randint(3, 9))
            ],
        },  # fmt: skip
        {
            "heading": _words(rng, 3),
            "rows": [{"label": lab, "count": rng.randint(1, 500)} for lab in long_labels],
            "plots": [
                report.bar_plot(
                    _words(rng, 5), long_labels, [rng.uniform(0, 100) for _ in long_labels], "count"
                ),
                report.bar_plot(
                    _words(rng, 4), short, [rng.random() for _ in short], "share", highlight="gamma"
                ),
            ],
        },  # fmt: skip
    ]


def _check(layout: dict, headings: list[str]) -> None:
    assert layout["headings"] == headings
    assert layout["pageWidth"] <= layout["viewWidth"], "the page scrolls sideways"
    for image in layout["images"]:
        assert image["complete"] and image["natural"] > 0, "a plot did not load"
        assert image["shown"] <= image["natural"], "a plot is stretched past its pixels"
        assert image["right"] <= layout["viewWidth"], "a plot runs off the page"
    assert all(right <= layout["viewWidth"] for right in layout["tables"])
    assert layout["cells"] == [], f"text runs out of its cell: {layout['cells']}"
    assert layout["brokenWords"] == [], f"short words broken: {layout['brokenWords']}"


WIDTHS = (1280, 720)  # a laptop's window, half of one


@pytest.mark.parametrize("width", WIDTHS)
def test_generated_report_lays_out_within_the_page(tmp_path, width):
    rng = random.Random(20261130)
    sections = _sections(rng)
    path = report.write_html(tmp_path / "report.html", _words(rng, 3), sections)
    layout = _render(path, "generated-report", width)
    _check(layout, [s["heading"] for s in sections])
    assert len(layout["images"]) == 2


def test_demo_report_lays_out_within_the_page(tmp_path):
    """The quick demo (no model) on a fresh home, as `agentmem demo --quick` writes it."""
    from rich.console import Console

    from agentmem import Memory, demo

    home = tmp_path / "home"

    def open_memory():
        return Memory(home=home, embedding={"model": "hash"})

    path = demo.run(open_memory, Console(quiet=True), use_model=False)
    for width in WIDTHS:
        layout = _render(path, "demo-report", width)
        assert len(layout["headings"]) >= 4
        _check(layout, layout["headings"])
        assert layout["images"], "the report has no plot"
