import pytest
from django.urls import reverse


@pytest.mark.parametrize("language,home", [("zh-hans", "首页"), ("zh-hant", "首頁"), ("en", "Home")])
def test_language_switcher_translates_the_menu(web_as, advisor, language, home):
    http = web_as(advisor)
    response = http.post(reverse("set_language"), {"language": language, "next": reverse("workspace:home")})
    assert response.status_code == 302
    page = http.get(reverse("workspace:home")).content.decode()
    assert f">{home}</a>" in page
