"""Links from the docs to code point at the line that defines what they name."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("update_doc_links", ROOT / "tools" / "update_doc_links.py")
update_doc_links = importlib.util.module_from_spec(spec)
spec.loader.exec_module(update_doc_links)


def test_every_code_link_anchor_is_current():
    pages = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
    checked = 0
    for page in pages:
        fixed, problems = update_doc_links.fix_page(page)
        assert not problems, problems
        assert fixed == page.read_text(encoding="utf-8"), (
            f"{page.name} has stale #L anchors: run python tools/update_doc_links.py")
        checked += len(update_doc_links.LINK.findall(fixed))
    assert checked >= 15          # derivations.md alone links every rule
