"""Helpers shared by the browser tests: axe-core, screenshots, phone widths and the keyboard."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# Screenshots of the main pages kept as CI artefacts (git-ignored): the home pages, the review.
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 780}}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def run_axe(page) -> list[dict]:
    """The serious and critical axe-core violations on the page as it is now."""
    assert AXE.exists(), "install axe-core first: (cd tests/axe && npm ci)"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def scroll_width(page) -> int:
    """How wide the document is; more than the viewport means sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth")


def screenshot(page, name: str, folder: Path = ARTIFACTS) -> Path:
    """A full-page screenshot in tests/browser/artifacts/ (or `folder`; both git-ignored) for
    people to look at."""
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def tab_to(page, predicate_js: str, limit: int = 60, key: str = "Tab") -> None:
    """Press Tab (or `key`) until the focused element satisfies predicate_js(el)."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(f"(el => {predicate_js})(document.activeElement)"):
            return
    raise AssertionError(f"never reached by {key}: {predicate_js}")


# Whether the focused element shows where the focus is: an outline or a box-shadow (Bootstrap's
# focus ring on form controls), on itself or, for a check box, on its label's visible box.
FOCUS_INDICATOR_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: 'BODY', visible: false};
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  return {tag: el.tagName, id: el.id, name: el.getAttribute('name'), type: el.type || '',
          text: (el.innerText || el.value || '').slice(0, 40), visible: Boolean(outline || shadow),
          outline: `${style.outlineStyle} ${style.outlineWidth}`, shadow: style.boxShadow,
          focusVisible: el.matches(':focus-visible')};
}"""


def focus_indicator(page) -> dict:
    """The focused element and whether it shows a visible focus indicator."""
    return page.evaluate(FOCUS_INDICATOR_JS)
