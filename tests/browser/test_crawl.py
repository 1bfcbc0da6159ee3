"""Every page of every role's navigation, and the first record of each list, in English,
Simplified and Traditional Chinese, in headless Chromium over the demo data (seed_demo):

- no page (nor any request it makes) answers 5xx;
- in Chinese, no English word outside tests/browser/allowed_words.txt (what people typed and the
  firm stores as data — names, file numbers, descriptions — is cut out first, see crawl.py);
- every page says its language (`<html lang>` is the language asked for);
- 0 axe-core violations rated serious or critical (WCAG 2.1 A and AA rules). axe runs once per
  kind of page (crawl.SIGNATURE_JS), in the first language that reaches it: the three languages
  share one DOM and one style sheet, and each page's language is checked above;
- a screenshot (first screen; CRAWL_FULL_PAGE=1 for whole pages) under test-artifacts/crawl/ of
  each page with a problem, or of every page with CRAWL_SHOTS=1 (a tenth of a second a page: a
  minute of the suite's time for pictures nobody looks at when every page passes).

axe-core comes from npm (package.json at the repository root; `make install` and .ci/run run
`npm ci`). Without it the test fails, unless CRAWL_SKIP_AXE=1 says to leave axe out (then it only
checks words and status). docs/i18n.md explains how to read and fix a failure.

The demo data is seeded once for the three languages (`demo_site`, module scope), served by one
live server and walked by one browser; the module empties the database again when it is done,
like any transactional test. `make test` distributes whole files (`--dist loadfile`), so the
three run one after the other on one worker; under another distribution each worker that gets
one seeds its own copy, and the module's data still never outlives the module."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

from advisory.demo import DEMO_PASSWORD, DEMO_USERS
from tests.browser import crawl

# One person per role from the demo cast (the second advisor sees the same pages as the first).
CAST = {}
for _email, _name, _role, _team in DEMO_USERS:
    CAST.setdefault(str(_role), _email)


AXE_SEEN: dict = {}  # kind of page → its blocking axe violations, shared by the three languages


def _axe_wanted() -> bool:
    if os.environ.get("CRAWL_SKIP_AXE") == "1":
        return False
    assert crawl.AXE_JS.exists(), (
        f"axe-core is missing ({crawl.AXE_JS}): run `npm ci` at the repository root "
        "(make install does), or set CRAWL_SKIP_AXE=1 to check without it"
    )
    return True


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo firm (seed_demo), committed, and a live server over it: one for the module.

    Media files, audit checkpoints and signing keys live in a folder of the module's own (the
    per-test folders of tests/conftest.py would change under the seeded records). The crawl only
    reads (GET); what it writes itself — sign-ins and reads recorded in the audit trail — the
    next language sees, as a role already sees those of the roles before it. At the end the
    database is flushed, as after a transactional test, so nothing reaches the next module."""
    from pytest_django.live_server_helper import LiveServer

    folder = tmp_path_factory.mktemp("crawl")
    files = override_settings(
        MEDIA_ROOT=str(folder / "media"),
        AUDIT_CHECKPOINT_DIR=str(folder / "checkpoints"),
        AUDIT_SIGNING_KEY_FILE=str(folder / "keys" / "signing.pem"),
        AUDIT_PUBLIC_KEY_FILE=str(folder / "keys" / "signing.pub.pem"),
    )
    files.enable()
    server = None
    try:
        with django_db_blocker.unblock():
            call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115, PTH123
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()  # ALLOWED_HOSTS
        yield server
    finally:
        if server is not None:
            server._live_server_modified_settings.disable()
            server.stop()
        with django_db_blocker.unblock():
            call_command("flush", verbosity=0, interactive=False)
        files.disable()


@pytest.fixture
def _media_root():
    """The module's records keep their files in demo_site's folder (see there)."""


@pytest.mark.browser
@pytest.mark.postgres  # seed_demo needs PostgreSQL (JSON `contains` lookups)
@pytest.mark.django_db  # the test itself only reads; the demo data is demo_site's, committed
@pytest.mark.parametrize("language", crawl.LANGUAGES)
def test_every_page_of_each_roles_navigation(demo_site, browser, language):
    # (demo_site first: seeding and the final flush run outside Playwright's event loop)
    # given the demo firm, and the words allowed in Chinese pages
    base_url = demo_site.url
    axe = _axe_wanted()
    allowed = crawl.load_allow_list()
    allowed[0].update(crawl.WORD.findall(settings.FIRM_NAME))
    excused = crawl.excused_stored_fields()

    def stored() -> list[str]:
        """Stored data, read again as each role signs in (signing in writes to the audit trail)."""
        if language == "en":
            return []
        return crawl.stored_texts(system_fields=crawl.SYSTEM_TEXT_FIELDS, excused_fields=excused)

    started = time.monotonic()

    # when each role walks its navigation
    results: list[crawl.PageResult] = []
    counts = {}
    axe_seen = AXE_SEEN  # axe runs once per kind of page, whichever language comes first
    shots = True if os.environ.get("CRAWL_SHOTS") == "1" else "problems"
    signed_out = crawl.crawl_role(
        browser,
        base_url,
        role="signed-out",
        email="",
        password="",
        language=language,
        allowed=allowed,
        stored=stored,
        axe=axe,
        axe_seen=axe_seen,
        screenshots=shots,
        extra_paths=("/account/login/", "/account/password/reset/"),
    )
    counts["signed-out"] = len(signed_out)
    results += signed_out
    for role, email in CAST.items():
        pages = crawl.crawl_role(
            browser,
            base_url,
            role=role,
            email=email,
            password=DEMO_PASSWORD,
            language=language,
            allowed=allowed,
            stored=stored,
            axe=axe,
            axe_seen=axe_seen,
            screenshots=shots,
        )
        counts[role] = len(pages)
        results += pages
    print(
        f"\ncrawl [{language}]: {counts} pages, axe on {len(axe_seen)} kinds of page so far,"
        f" {time.monotonic() - started:.0f} s"
    )

    # then every role saw its pages, none failed, none spoke English in Chinese, none has a
    # serious or critical accessibility violation
    assert all(n >= 3 for role, n in counts.items() if role != "signed-out"), counts
    problems = crawl.report(results)
    assert not problems, f"\n{problems}"
