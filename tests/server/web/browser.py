"""A real Chromium for the page journeys: Debian's /usr/bin/chromium driven by Playwright.

Browser downloads are impossible here, so Playwright starts the system's browser
(``executable_path``), headless, in a fresh profile, with its background services off
(without those flags its own connections to the outside are refused, many at a time).
Each page a journey visits is measured at the width it is shown (no horizontal
overflow: the document is no wider than the viewport) and saved as a screenshot under
``var/browser-screenshots/<test>/``, which the tests print, for a person to look at.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PHONE, DESKTOP = 390, 1280
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "browser-screenshots"


def screenshot_dir(test_name: str) -> Path:
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", test_name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"screenshots: {folder}")
    return folder


@dataclass
class Shots:
    """Screenshots of one journey, numbered in the order they were taken."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def take(self, page, name: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}-{page.viewport_size['width']}px.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


def overflow(page) -> int:
    """How many CSS pixels the document is wider than the viewport (0: it fits)."""
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
                         " - window.innerWidth")


def unlabelled(page) -> list[str]:
    """Form controls a screen reader cannot name, and images without a text alternative."""
    return page.evaluate("""() => [
        ...[...document.querySelectorAll('input:not([type=hidden]), textarea, select, progress')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
            .map(e => e.outerHTML.slice(0, 80)),
        ...[...document.querySelectorAll('img')].filter(i => !i.alt).map(i => i.outerHTML.slice(0, 80))]""")


def check_fits(page, shots: Shots, name: str) -> None:
    """The page has no horizontal overflow at its width, names every control and image for
    screen readers; its screenshot is saved."""
    shots.take(page, name)
    if not page.url.endswith("/docs"):  # Swagger UI's own markup is not ours to fix
        missing = unlabelled(page)
        assert not missing, f"{name}: unlabelled for screen readers: {missing}"
    extra = overflow(page)
    if extra > 0:
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
        raise AssertionError(f"{name} at {page.viewport_size['width']} px is {extra} px too wide: {wide}")


def at_both_widths(page, shots: Shots, name: str, url: str | None = None) -> None:
    """Load ``url`` (or reload) at the phone's and the desktop's width; each must fit."""
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 844 if width == PHONE else 900})
        if url:
            page.goto(url)
        check_fits(page, shots, name)


def visible_text(page) -> str:
    return page.evaluate("document.body.innerText")
