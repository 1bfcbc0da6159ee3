import pytest
from django.urls import reverse


@pytest.mark.parametrize("language,home", [("zh-hans", "首页"), ("zh-hant", "首頁"), ("en", "Home")])
def test_language_switcher_translates_the_menu(web_as, advisor, language, home):
    http = web_as(advisor)
    response = http.post(reverse("set_language"), {"language": language, "next": reverse("workspace:home")})
    assert response.status_code == 302
    page = http.get(reverse("workspace:home")).content.decode()
    assert f">{home}</a>" in page


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_catalogs_have_no_untranslated_or_fuzzy_entries(language):
    """A new English string without its Chinese translation fails CI (make messages, then
    translate every empty or fuzzy entry)."""
    from pathlib import Path

    import polib

    path = Path(__file__).resolve().parents[2] / "locale" / language / "LC_MESSAGES" / "django.po"
    catalog = polib.pofile(str(path))
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert untranslated == [] and fuzzy == [], (untranslated[:10], fuzzy[:10])


def test_sign_in_page_offers_the_language_switch(client):
    page = client.get(reverse("login")).content.decode()
    assert 'action="/i18n/setlang/"' in page and "简体中文" in page and "繁體中文" in page
