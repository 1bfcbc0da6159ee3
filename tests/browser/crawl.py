"""Walk a role's navigation in a real browser: every menu entry and the first record of each list,
in one language. For each page: the HTTP status (and of every request the page makes), the
English words a Chinese reader would see, the axe-core violations rated serious or critical,
and a full-page screenshot.

Used by tests/browser/test_crawl.py; `python -m tests.browser.crawl` runs it against a running
server for a quick look (see docs/i18n.md)."""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ALLOW_LIST = Path(__file__).with_name("allowed_words.txt")
ARTIFACTS = ROOT / "test-artifacts" / "crawl"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
LANGUAGES = ["en", "zh-hans", "zh-hant"]

# Text a reader sees: every text node of the page, the words assistive technology reads out
# (title, aria-label, alt, placeholder, button values) and the page title. Left out: program
# text (code, pre, kbd, samp), scripts, and what the page marks as not to be translated
# (`translate="no"`) or declares to be in another language (`lang="en"` on the language
# switch's "English", as WCAG 3.1.2 asks).
TEXT_JS = r"""
() => {
  const SKIP = 'script,style,noscript,template,code,pre,kbd,samp,[translate="no"]';
  const pageLang = document.documentElement.lang;
  const foreign = (el) => { const l = el.closest('[lang]'); return l && l !== document.documentElement && l.lang !== pageLang; };
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.nodeValue.trim();
    if (!text) continue;
    const el = node.parentElement;
    if (!el || el.closest(SKIP) || foreign(el)) continue;
    out.push(text);
  }
  const sel = '[title],[aria-label],[placeholder],img[alt],input[type=submit],input[type=button]';
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest(SKIP) || foreign(el)) continue;
    for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
      const v = el.getAttribute(name);
      if (v) out.push(v);
    }
    if (el.matches('input[type=submit],input[type=button]') && el.value) out.push(el.value);
  }
  return out;
}
"""

LANG_JS = "document.documentElement.lang"


@functools.cache
def _axe_source() -> str:
    """axe-core, evaluated through the DevTools protocol (the pages' CSP does not apply to it)."""
    return AXE_JS.read_text(encoding="utf-8") + "\n;true"


AXE_RUN_JS = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
    count: v.nodes.length,
  }));
}
"""

# The first record of a list: the first link in the list's table (or card list) that stays on
# this site and is not a download.
FIRST_RECORD_JS = """
() => {
  const links = document.querySelectorAll('main table tbody a[href], main .record-list a[href]');
  for (const a of links) {
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) continue;
    if (a.hasAttribute('download') || /\\.(pdf|csv|xlsx|zip)$/.test(url.pathname)) continue;
    if (/\\/(download|export|file)s?\\//.test(url.pathname)) continue;
    if (url.pathname === location.pathname) continue;
    return url.pathname;
  }
  return null;
}
"""

# What axe-core judges, without the data: the set (not the count) of element kinds on the page
# with their classes, types, names and roles, and every colour pair of text. Two pages with the
# same signature (the same list for another role, or with other rows) get the same axe verdict,
# so axe runs once per signature and language.
SIGNATURE_JS = r"""
() => {
  const seen = new Set([`title=${document.title.trim() !== ''}`]);  // the language: LANG_JS
  for (const el of document.querySelectorAll('body *')) {
    const cs = getComputedStyle(el);
    const cls = typeof el.className === 'string' ? el.className : '';
    seen.add([el.tagName, cls, el.getAttribute('type') || '', el.getAttribute('role') || '',
              el.getAttribute('name') || '', el.hasAttribute('aria-label') || el.hasAttribute('title'),
              el.id ? 'id' : '', cs.color, cs.backgroundColor, cs.textDecorationLine].join('|'));
  }
  return [...seen].sort().join('\n');
}
"""

NAV_JS = """
() => Array.from(document.querySelectorAll('nav[aria-label] a[href]')).map(a => new URL(a.href).pathname)
"""

CODE_LIKE = re.compile(r"[a-z0-9]+(?:[_.:-][a-z0-9]+)+")
PROJECT_PACKAGES = {"advisory", "clients", "risk", "planning", "complaints", "audit", "control"}
# Free-text fields the system fills in itself (not what a person typed): shown to people, so
# they must come out in the reader's language and the crawl checks them like template text.
SYSTEM_TEXT_FIELDS: set[str] = {
    "advisory.Notification.subject",
    "advisory.Notification.body",
    "advisory.RiskWarning.message",
    "audit.AuditEntry.reason",
}

EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+|/[\w/.-]+/")
# A masked value (913101********J12G, 1 Harb*****…): stored data with its middle hidden, which
# the stored texts cannot match whole.
MASKED = re.compile(r"\S*\*{3,}\S*")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*")


def load_allow_list(path: Path = ALLOW_LIST) -> tuple[set[str], list[re.Pattern]]:
    """Words (exact, case-sensitive) and patterns (lines starting with `re:`) allowed in Chinese pages."""
    words: set[str] = set()
    patterns: list[re.Pattern] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("stored:"):
            continue
        if line.startswith("re:"):
            patterns.append(re.compile(line[3:].strip()))
        else:
            words.update(line.split())
    return words, patterns


def excused_stored_fields(path: Path = ALLOW_LIST) -> set[str]:
    """Fields whose stored English the allow-list excuses for now (lines `stored: app.Model.field`)."""
    return {
        line.split("#", 1)[0].strip()[len("stored:") :].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("stored:")
    }


def stored_texts(*, system_fields: set[str], excused_fields: set[str] = frozenset()) -> list[str]:
    """What people typed and the firm keeps as data (names, file numbers, descriptions, product
    names, questionnaire wording): every distinct value of a free-text field (a CharField or
    TextField without choices) of this project's models, longest first. They appear on pages in
    the language they were written in, so the crawl takes them out of the page text before
    looking for English. Values that look like codes (`zh-hans`, `in_review`) stay in: codes
    must never reach a screen.

    `system_fields` ("app_label.Model.field") are texts the system writes itself: those must
    be shown in the reader's language, so they stay in, unless `excused_fields` names them
    (the allow-list's temporary `stored:` entries; a JSON field named there is taken leaf by
    leaf)."""
    from django.apps import apps
    from django.db import models

    values: set[str] = set()

    def add(value) -> None:
        if isinstance(value, dict):
            for v in value.values():
                add(v)
        elif isinstance(value, list | tuple):
            for v in value:
                add(v)
        elif isinstance(value, str):
            value = value.strip()
            if len(value) >= 2 and re.search("[A-Za-z]", value) and not CODE_LIKE.fullmatch(value):
                values.add(value)

    for model in apps.get_models():
        if model.__module__.split(".")[0] not in PROJECT_PACKAGES:
            continue
        if model.__name__.startswith("Historical") or model._meta.proxy:
            continue
        names = []
        for f in model._meta.concrete_fields:
            label = f"{model._meta.label}.{f.name}"
            if label in excused_fields or (
                isinstance(f, models.CharField | models.TextField)
                and not f.choices
                and label not in system_fields
            ):
                names.append(f.name)
        if names:
            for row in model._default_manager.values_list(*names):
                add(list(row))
    return sorted(values, key=len, reverse=True)


def without_stored_texts(texts: list[str], stored: list[str]) -> list[str]:
    """The page's texts with every stored value (see stored_texts) cut out; a text shortened
    with "…" (truncatechars) is cut when a stored value starts with what is left of it."""
    page = EMAIL_OR_URL.sub(" ", "\n".join(texts))
    for value in stored:
        if value in page:  # cheap test first; then only whole words (never "alth" out of "Wealth")
            page = re.sub(rf"(?<![\w'’-]){re.escape(value)}(?![\w'’-])", "\n", page)
    lines = page.split("\n")
    for i, line in enumerate(lines):
        if "…" in line:
            head = line.split("…", 1)[0].strip()
            if head and any(value.startswith(head) for value in stored):
                lines[i] = line.split("…", 1)[1]
    return lines


def english_words(texts: list[str], allowed: tuple[set[str], list[re.Pattern]]) -> set[str]:
    """ASCII words of two letters or more that are neither allowed words nor match an allowed pattern."""
    words, patterns = allowed
    found: set[str] = set()
    for text in texts:
        text = MASKED.sub(" ", EMAIL_OR_URL.sub(" ", text))
        for match in WORD.finditer(text):
            word = match.group(0)
            if sum(ch.isalpha() for ch in word) < 2:
                continue
            if word in words or any(p.fullmatch(word) for p in patterns):
                continue
            found.add(word)
    return found


@dataclass
class PageResult:
    role: str
    language: str
    path: str
    status: int
    errors: list[str] = field(default_factory=list)  # 5xx responses of the page or its requests
    english: set[str] = field(default_factory=set)
    violations: list[dict] = field(default_factory=list)
    lang: str = ""  # <html lang> when it is not the language the page was asked in
    screenshot: str = ""

    @property
    def has_problems(self) -> bool:
        """What `report` lists: a failed status, a server error, English words, an axe violation,
        a page that does not say its language."""
        return bool(
            self.status >= 500
            or self.status == 0
            or self.errors
            or self.english
            or self.violations
            or self.lang
        )


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/account/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def _settle(page, in_flight: list[int], limit: float = 10.0) -> None:
    """Wait until the requests the page started while loading (htmx sections filled in after
    the page) have finished; no fixed sleep."""
    deadline = time.monotonic() + limit
    while in_flight[0] > 0 and time.monotonic() < deadline:
        page.wait_for_timeout(20)


def crawl_role(
    browser,
    base_url: str,
    *,
    role: str,
    email: str,
    password: str,
    language: str,
    allowed: tuple[set[str], list[re.Pattern]],
    stored: list[str] | Callable[[], list[str]] = (),
    axe: bool = True,
    screenshots: bool | str = True,
    axe_seen: dict | None = None,
    extra_paths: tuple[str, ...] = (),
) -> list[PageResult]:
    """`axe_seen` (signature → violations), shared between calls of one language, lets axe run
    once per kind of page (see SIGNATURE_JS). `screenshots`: True for every page, "problems" for
    the pages `report` will list (a screenshot costs about a tenth of a second), False for none."""
    axe_seen = {} if axe_seen is None else axe_seen
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale=language)
    host = urlsplit(base_url).hostname
    context.add_cookies([{"name": "django_language", "value": language, "domain": host, "path": "/"}])
    page = context.new_page()
    failures: list[str] = []
    page.on(
        "response",
        lambda r: (
            failures.append(f"{r.status} {urlsplit(r.url).path}")
            if r.status >= 500 and r.url.startswith(base_url)
            else None
        ),
    )
    in_flight = [0]

    def started(_request) -> None:
        in_flight[0] += 1

    def ended(_request) -> None:
        in_flight[0] -= 1

    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)
    results: list[PageResult] = []
    try:
        if email:
            sign_in(page, base_url, email, password)
            nav = page.evaluate(NAV_JS)
        else:  # signed out: the pages anyone reaches (sign-in, password reset)
            nav = []
        if callable(stored):  # read after signing in: the sign-in itself is stored (audit trail)
            stored = stored()
        queue = list(dict.fromkeys(nav + list(extra_paths)))
        seen: set[str] = set()
        i = 0
        while i < len(queue):
            path = queue[i]
            i += 1
            if path in seen:
                continue
            seen.add(path)
            failures.clear()
            response = page.goto(base_url + path)
            _settle(page, in_flight)
            result = PageResult(role, language, path, response.status if response else 0)
            if path in nav and result.status < 400:
                first = page.evaluate(FIRST_RECORD_JS)
                if first and first not in seen:
                    queue.append(first)
            if language != "en":
                result.english = english_words(without_stored_texts(page.evaluate(TEXT_JS), stored), allowed)
            if result.status < 400 and page.evaluate(LANG_JS) != language:
                result.lang = page.evaluate(LANG_JS) or "(none)"
            if axe:
                signature = f"{path.split('/')[1]}\n" + page.evaluate(SIGNATURE_JS)
                if signature not in axe_seen:
                    page.evaluate(_axe_source())  # only where axe runs (not parsed on every page)
                    axe_seen[signature] = [
                        v for v in page.evaluate(AXE_RUN_JS, AXE_TAGS) if v["impact"] in BLOCKING_IMPACTS
                    ]
                result.violations = axe_seen[signature]
            result.errors = list(failures)
            if screenshots is True or (screenshots == "problems" and result.has_problems):
                # The first screen of the page: a full page costs several times as much;
                # CRAWL_FULL_PAGE=1 takes whole pages when you want to read them all.
                name = f"{role}-{language}-{path.strip('/').replace('/', '_') or 'root'}.png"
                target = ARTIFACTS / name
                target.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(target), full_page=os.environ.get("CRAWL_FULL_PAGE") == "1")
                result.screenshot = str(target.relative_to(ROOT))
            results.append(result)
    finally:
        context.close()
    return results


def report(results: list[PageResult]) -> str:
    """One readable block per page with a problem."""
    lines = []
    for r in results:
        problems = []
        if r.status >= 500 or r.status == 0:
            problems.append(f"  status {r.status}")
        problems += [f"  server error: {e}" for e in r.errors]
        if r.english:
            problems.append(f"  English words: {', '.join(sorted(r.english))}")
        if r.lang:
            problems.append(f"  <html lang> is {r.lang}, not {r.language}")
        for v in r.violations:
            problems.append(f"  axe {v['impact']}: {v['id']} ({v['help']}), {v['count']} element(s)")
            problems += [f"      {n['target']}" for n in v["nodes"]]
        if problems:
            lines.append(f"{r.role} [{r.language}] {r.path} ({r.screenshot})")
            lines += problems
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - manual look against a running server
    import sys

    from playwright.sync_api import sync_playwright

    base = os.environ.get("CRAWL_BASE_URL", "http://127.0.0.1:8000")
    password = os.environ.get("CRAWL_PASSWORD", "Demo!2026pass")
    who = sys.argv[1:] or ["advisor@demo.advisory"]
    langs = os.environ.get("CRAWL_LANGUAGES", "zh-hans").split(",")
    import django

    django.setup()
    from django.conf import settings

    allowed = load_allow_list()
    allowed[0].update(WORD.findall(settings.FIRM_NAME))
    stored = stored_texts(system_fields=SYSTEM_TEXT_FIELDS, excused_fields=excused_stored_fields())
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for email in who:
            for lang in langs:
                res = crawl_role(
                    b,
                    base,
                    role=email.split("@")[0],
                    email=email,
                    password=password,
                    language=lang,
                    allowed=allowed,
                    stored=stored,
                    axe=os.environ.get("CRAWL_AXE", "1") == "1",
                    screenshots=os.environ.get("CRAWL_SHOTS", "0") == "1",
                )
                print(f"# {email} {lang}: {len(res)} pages", flush=True)
                print(report(res), flush=True)
        b.close()
