"""Keep the message catalogues in step with the code, safely from several shells at once.

    python scripts/i18n.py update            extract messages, update nb/nn/en, compile
    python scripts/i18n.py add FILE.json     the same, then set the translations in FILE:
                                             {"msgid": {"nb": "...", "nn": "..."}, ...}
    python scripts/i18n.py missing           list the msgids still untranslated in nb/nn

Every command holds an exclusive lock on the catalogues while it reads and writes them,
so two people (or two helpers) adding strings at the same moment cannot lose each
other's translations.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "survey_app" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = ("nb", "nn", "en")
LOCK = ROOT / ".i18n.lock"


def _pybabel(*args: str) -> None:
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _po(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def update() -> None:
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-o", str(TEMPLATE),
             "--no-location", "--sort-output", ".")
    _pybabel("update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "--no-fuzzy-matching",
             "--ignore-obsolete")


def add(path: Path) -> None:
    translations: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    for language in LANGUAGES:
        with _po(language).open("rb") as fh:
            catalogue = read_po(fh, locale=language)
        for msgid, texts in translations.items():
            if language in texts:
                message = catalogue.get(msgid)
                if message is None:
                    sys.exit(f"{msgid!r} is not in the code (yet): nothing to translate")
                message.string = texts[language]
                message.flags.discard("fuzzy")
        with _po(language).open("wb") as fh:
            write_po(fh, catalogue, width=76)


def compile_all() -> None:
    for language in LANGUAGES:
        with _po(language).open("rb") as fh:
            catalogue = read_po(fh, locale=language)
        with _po(language).with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalogue, use_fuzzy=True)


def missing() -> int:
    count = 0
    for language in ("nb", "nn"):
        with _po(language).open("rb") as fh:
            for message in read_po(fh, locale=language):
                if message.id and (not message.string or message.fuzzy):
                    print(f"{language}: {message.id!r}")
                    count += 1
    return count


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("update", "add", "missing"):
        print(__doc__)
        return 2
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        update()
        if argv[0] == "add":
            add(Path(argv[1]))
        compile_all()
        if argv[0] == "missing":
            return 1 if missing() else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
