"""The Simplified Chinese catalogue is complete: every string in the code and templates is translated."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _problems(path: Path) -> list[str]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    return problems


def test_the_committed_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    assert _problems(CATALOGUE) == []


SOURCE_DIRS = ("accounts", "audit", "catalog", "finance", "jobs", "logistics", "orders", "sellercenter", "stores",
               "templates")


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_every_string_in_the_source_is_in_the_catalogue(tmp_path: Path) -> None:
    """Extract the strings again, as makemessages does, from a copy of the source into a copy of the catalogue."""
    for name in SOURCE_DIRS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    copy = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    shutil.copy(CATALOGUE, copy / "django.po")
    before = CATALOGUE.read_bytes()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
            call_command("makemessages", locale=["zh_Hans"], verbosity=0, no_obsolete=True)
    finally:
        os.chdir(cwd)
    assert CATALOGUE.read_bytes() == before, "the committed catalogue must not be touched"
    assert _problems(copy / "django.po") == []


def test_pages_render_in_chinese_for_a_chinese_browser(db: None) -> None:
    response = Client(headers={"accept-language": "zh-CN,zh;q=0.9"}).get("/accounts/login/")
    assert response.status_code == 200
    with translation.override("zh-hans"):
        assert translation.gettext("Forgot your password?").encode() in response.content
    assert b'lang="zh-hans"' in response.content
