"""The files our own words point to exist: after livestock/ was regrouped into
packages, the README still sent readers to livestock/models.py and a comment to
livestock/names.py. Every ``livestock/….py`` or ``….html`` named in the README,
the docs, our Python, our templates, the field app's script and the tests is a
file of the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMED = re.compile(r"(?<![\w/.])(livestock/[\w/]+\.py)\b")
READ = [
    ROOT / "README.md",
    *(ROOT / "docs").glob("*.md"),
    *(ROOT / "livestock").rglob("*.py"),
    *(ROOT / "templates").rglob("*.html"),
    *(ROOT / "livestock" / "static").rglob("*.js"),
    *(path for path in (ROOT / "tests").rglob("*.py") if path != Path(__file__).resolve()),
]


def test_every_livestock_file_named_in_our_words_exists():
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in READ
        for name in NAMED.findall(path.read_text(encoding="utf-8"))
        if not (ROOT / name).exists()
    ]
    assert missing == []
