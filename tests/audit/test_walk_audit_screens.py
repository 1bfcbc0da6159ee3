"""Audit screens as a compliance officer meets them: times in the firm's time zone, a filter
error that names the field in words, no empty box when nothing is shown."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db

# 12:00 UTC is 20:00 in the firm's time zone (Asia/Shanghai).
AT = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC).isoformat()


@pytest.fixture
def last_verification():
    cache.set("audit:last_verify", {"intact": True, "at": AT}, None)
    yield
    cache.delete("audit:last_verify")


@pytest.mark.parametrize("url", ["audit:browser", "audit:verify"])
def test_last_verification_in_firm_time(web_as, compliance_officer, last_verification, url):
    html = web_as(compliance_officer).get(reverse(url)).content.decode()
    assert "2026-06-15 20:00" in html and AT not in html


def test_filter_error_names_the_field_and_leaves_no_empty_box(web_as, compliance_officer):
    html = (
        web_as(compliance_officer).get(reverse("audit:browser"), {"client": "zzzz-nobody"}).content.decode()
    )
    assert "Client (name or file number): No client in the trail matches" in html
    assert '<ul class="errorlist"><li>client<ul' not in html
    assert '<section class="card"></section>' not in html
