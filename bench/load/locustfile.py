"""A firm's working day against the real stack (issue 18 §4): run by bench/load_test.py.

Four kinds of people, each signing in through the login form (CSRF and session as in a browser):
- advisors (most of the traffic): their client list (with a search), a client page, proposals,
  complaints, a complaint page; writes: a reply on a complaint and a client-record change;
- risk reviewers: the assessments queue and an assessment, the proposals awaiting them;
- compliance: the audit trail (filtered), warnings, the quality dashboard;
- portal clients: the portal home, their proposals, their complaints, a reply on a complaint.

Every request is named by its page (`name=`), so the report has one line per page, and writes are
named "write: …". Bench accounts come from bench/firm_data.py.
"""

from __future__ import annotations

import os
import random
import re
from html.parser import HTMLParser

import gevent
from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-pass-2026")
N_ADVISORS = int(os.environ.get("BENCH_ADVISORS", "160"))
N_REVIEWERS = int(os.environ.get("BENCH_REVIEWERS", "10"))
N_COMPLIANCE = int(os.environ.get("BENCH_COMPLIANCE", "10"))
N_PORTAL = int(os.environ.get("BENCH_PORTAL_CLIENTS", "200"))
# Steady state: the figures are reset this many seconds after the last user has signed in (each
# signs in once, on start: ~0.5 s of PBKDF2 CPU). Unset: keep the ramp.
STEADY_AFTER = os.environ.get("BENCH_STEADY_AFTER")
SURNAMES = "王李张刘陈杨黄赵吴周"
IDS = {
    "client": re.compile(r'href="/app/clients/(\d+)/"'),
    "complaint": re.compile(r'href="/app/complaints/(\d+)/"'),
    "proposal": re.compile(r'href="/app/planning/proposals/(\d+)/"'),
    "assessment": re.compile(r'href="/app/risk/assessments/(\d+)/"'),
    "portal_complaint": re.compile(r'href="/portal/complaints/(\d+)/"'),
}


class FormFields(HTMLParser):
    """The submittable fields of the first <form> whose action matches, as a browser would send them."""

    def __init__(self, action_suffix: str) -> None:
        super().__init__()
        self.action_suffix = action_suffix
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("action") or "").endswith(self.action_suffix):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.fields[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select:
            if "selected" in a or not self.fields.get(self._select):
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    email = ""

    def on_start(self) -> None:
        self.seen: dict[str, list[str]] = {}
        page = self.client.get("/account/login/", name="login page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.client.post(
            "/account/login/",
            {
                "username": self.email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + "/account/login/"},
            name="write: sign in",
        )
        _signed_in()

    def remember(self, kind: str, text: str) -> None:
        found = IDS[kind].findall(text)
        if found:
            self.seen[kind] = found[:50]

    def pick(self, kind: str) -> str | None:
        return random.choice(self.seen[kind]) if self.seen.get(kind) else None

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def post(self, url: str, data: dict, name: str):
        data = {**data, "csrfmiddlewaretoken": self.csrf()}
        with self.client.post(
            url,
            data,
            headers={"Referer": self.host + url},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 302, 303):
                response.failure(f"{response.status_code}")
            return response


class Advisor(Person):
    weight = 8

    def on_start(self) -> None:
        self.email = f"bench-advisor{random.randint(1, N_ADVISORS)}@bench.test"
        super().on_start()
        self.remember("client", self.client.get("/app/clients/", name="client list").text)

    @task(6)
    def client_list(self):
        self.remember("client", self.client.get("/app/clients/?page=2", name="client list").text)

    @task(3)
    def client_search(self):
        self.client.get(f"/app/clients/?q={random.choice(SURNAMES)}", name="client list: search")

    @task(8)
    def client_page(self):
        pk = self.pick("client")
        if pk:
            self.client.get(f"/app/clients/{pk}/", name="client page")

    @task(3)
    def proposals(self):
        self.remember("proposal", self.client.get("/app/planning/", name="proposal list").text)

    @task(2)
    def proposal_page(self):
        pk = self.pick("proposal")
        if pk:
            self.client.get(f"/app/planning/proposals/{pk}/", name="proposal page")

    @task(3)
    def complaints(self):
        self.remember("complaint", self.client.get("/app/complaints/", name="complaint list").text)

    @task(3)
    def complaint_page(self):
        pk = self.pick("complaint")
        if pk:
            self.client.get(f"/app/complaints/{pk}/", name="complaint page")

    @task(2)
    def complaint_reply(self):
        pk = self.pick("complaint")
        if pk:
            self.post(
                f"/app/complaints/{pk}/reply/",
                {"body": "已联系客户，正在核实情况。", "internal": "on"},
                "write: complaint reply",
            )

    @task(2)
    def client_update(self):
        pk = self.pick("client")
        if not pk:
            return
        page = self.client.get(f"/app/clients/{pk}/edit/", name="client edit form")
        if page.status_code != 200:
            return
        form = FormFields(f"/app/clients/{pk}/edit/")
        form.feed(page.text)
        fields = form.fields or {}
        fields["bank_name"] = random.choice(["中国工商银行", "招商银行", "中国银行", "建设银行"])
        self.post(f"/app/clients/{pk}/edit/", fields, "write: client update")


class RiskReviewer(Person):
    weight = 1

    def on_start(self) -> None:
        self.email = f"bench-risk_reviewer{N_ADVISORS + random.randint(1, N_REVIEWERS)}@bench.test"
        super().on_start()

    @task(4)
    def queue(self):
        self.remember("assessment", self.client.get("/app/risk/assessments/", name="risk: assessments").text)

    @task(3)
    def assessment(self):
        pk = self.pick("assessment")
        if pk:
            self.client.get(f"/app/risk/assessments/{pk}/", name="risk: assessment page")

    @task(2)
    def awaiting(self):
        self.client.get("/app/planning/?status=submitted", name="proposal list: awaiting review")


class Compliance(Person):
    weight = 1

    def on_start(self) -> None:
        self.email = (
            f"bench-compliance{N_ADVISORS + N_REVIEWERS + random.randint(1, N_COMPLIANCE)}@bench.test"
        )
        super().on_start()

    @task(3)
    def audit_trail(self):
        self.client.get("/app/audit/", name="audit trail")

    @task(2)
    def audit_filtered(self):
        self.client.get("/app/audit/?action=update", name="audit trail: filtered")

    @task(2)
    def warnings(self):
        self.client.get("/app/oversight/warnings/", name="warnings")

    @task(1)
    def dashboard(self):
        self.client.get("/app/oversight/", name="quality dashboard")


class PortalClient(Person):
    weight = 3

    def on_start(self) -> None:
        self.email = f"bench-portal{random.randint(1, N_PORTAL)}@bench.test"
        super().on_start()

    @task(4)
    def home(self):
        self.client.get("/portal/", name="portal: home")

    @task(2)
    def proposals(self):
        self.client.get("/portal/planning/", name="portal: proposals")

    @task(3)
    def complaints(self):
        self.remember(
            "portal_complaint", self.client.get("/portal/complaints/", name="portal: complaints").text
        )

    @task(1)
    def reply(self):
        pk = self.pick("portal_complaint")
        if pk:
            self.post(
                f"/portal/complaints/{pk}/reply/", {"body": "谢谢，请尽快处理。"}, "write: portal reply"
            )


_ENV: dict = {}


@events.init.add_listener
def _keep_environment(environment, **kwargs) -> None:
    _ENV["environment"] = environment


_SIGNED_IN = {"n": 0}


def _signed_in() -> None:
    """Once every user of the step has signed in, wait STEADY_AFTER seconds and reset the figures."""
    _SIGNED_IN["n"] += 1
    env = _ENV.get("environment")
    if STEADY_AFTER is None or env is None or env.runner is None:
        return
    if _SIGNED_IN["n"] == env.runner.target_user_count:
        gevent.spawn_later(float(STEADY_AFTER), env.stats.reset_all)
