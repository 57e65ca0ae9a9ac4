"""The console's browser harness: find a Chromium, name the viewports, save screenshots.

Playwright (the PyPI package) drives the Chromium that ``scripts/system-deps.sh`` installs from
Debian; ``playwright install`` is never run, so no browser is downloaded. Playwright starts
Chromium with ``--no-sandbox`` unless asked for its sandbox (``chromium_sandbox=True``), which is
what running as root (CI here) needs anyway: Chromium refuses its setuid/namespace sandbox as root.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Page, ViewportSize

ROOT = Path(__file__).resolve().parents[3]
# Debian's package, Ubuntu's name for it, then Google's build (GitHub's runners ship it).
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
DOCS_DIR = ROOT / "docs" / "console"


def find_chromium() -> str | None:
    """``LLMGW_TEST_CHROMIUM`` when set, else the first Chromium-family browser on PATH."""
    chosen = os.environ.get("LLMGW_TEST_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def artefact_dir() -> Path:
    """Where screenshots go: ``$LLMGW_TEST_ARTIFACTS/console`` (default ``var/artifacts``)."""
    base = Path(os.environ.get("LLMGW_TEST_ARTIFACTS", ROOT / "var" / "artifacts"))
    return base / "console"


@dataclass(frozen=True)
class Screens:
    """Saves page screenshots per backend; with ``LLMGW_TEST_CONSOLE_DOCS=1`` (set by
    ``make console-screenshots``) the embedded backend's set also replaces docs/console/*.png."""

    backend: str

    async def save(self, page: Page, name: str) -> Path:
        size = page.viewport_size
        width = size["width"] if size else DESKTOP["width"]
        view = "phone" if width <= PHONE["width"] else "desktop"
        await page.evaluate("document.fonts.ready")  # no half-loaded text in the picture
        target = artefact_dir() / self.backend / f"{name}-{view}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        png = await page.screenshot(path=target, full_page=False, animations="disabled")
        if os.environ.get("LLMGW_TEST_CONSOLE_DOCS") == "1" and self.backend == "sqlite":
            DOCS_DIR.mkdir(parents=True, exist_ok=True)
            (DOCS_DIR / f"{name}-{view}.png").write_bytes(png)
        return target
