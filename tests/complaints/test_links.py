from django.urls import clear_script_prefix, reverse, set_script_prefix

from complaints.links import complaint_staff_url
from complaints.models import Complaint
from complaints.services.common import _url
from complaints.services.escalation import _detail_url_parts


def test_staff_link_is_the_detail_page_reverse_gives():
    for pk in (1, 42, 987654321):
        assert complaint_staff_url(pk) == reverse("complaints:detail", args=[pk])
        assert _url(Complaint(pk=pk)) == reverse("complaints:detail", args=[pk])


def test_staff_link_keeps_the_script_prefix():
    # given the site served below a path (FORCE_SCRIPT_NAME or a proxy's SCRIPT_NAME)
    set_script_prefix("/firm/")
    try:
        # when / then
        assert complaint_staff_url(7) == reverse("complaints:detail", args=[7]) == "/firm/app/complaints/7/"
    finally:
        clear_script_prefix()


def test_sweep_link_parts_surround_the_ticket_id():
    head, tail = _detail_url_parts()
    assert f"{head}123{tail}" == reverse("complaints:detail", args=[123])
