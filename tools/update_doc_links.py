"""Point the docs' code links at the lines that define what they name.

A link such as [`conv2d_input_grad`](../tinygrad_cnn/nn/conv_ops.py#L208)
names a function or class; this script sets the ``#L`` anchor to the line of
its ``def``/``class``. Run it after editing code the docs link to;
tests/test_doc_links.py fails when an anchor is stale.

    python tools/update_doc_links.py          # rewrite docs/*.md in place
    python tools/update_doc_links.py --check  # exit 1 if anything would change
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LINK = re.compile(r"\[`(?P<name>\w+)`\]\((?P<path>\.\./[^)#]+\.py)#L(?P<line>\d+)\)")


def definition_line(source_file, name):
    """1-based line of ``def name`` / ``class name`` (the engine's entry point
    ``backward`` is a def like any other), or None."""
    pattern = re.compile(rf"^\s*(def|class)\s+{re.escape(name)}\b")
    for number, line in enumerate(source_file.read_text(encoding="utf-8").splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def fix_page(page):
    """The page text with every anchor corrected, and a list of problems."""
    problems = []

    def replace(match):
        target = (page.parent / match["path"]).resolve()
        if not target.exists():
            problems.append(f"{page.name}: {match['path']} does not exist")
            return match[0]
        line = definition_line(target, match["name"])
        if line is None:
            problems.append(f"{page.name}: no def/class {match['name']} in {match['path']}")
            return match[0]
        return f"[`{match['name']}`]({match['path']}#L{line})"

    return LINK.sub(replace, page.read_text(encoding="utf-8")), problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale, all_problems = [], []
    for page in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        fixed, problems = fix_page(page)
        all_problems += problems
        if fixed != page.read_text(encoding="utf-8"):
            stale.append(page.name)
            if not args.check:
                page.write_text(fixed, encoding="utf-8")
    for problem in all_problems:
        print(problem)
    if stale:
        print(("stale anchors in: " if args.check else "updated: ") + ", ".join(stale))
    sys.exit(1 if all_problems or (args.check and stale) else 0)


if __name__ == "__main__":
    main()
