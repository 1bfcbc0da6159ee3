"""Watch lists: parsing and import, matching Chinese names, pinyin and Latin spellings, screening
at onboarding and after an upload, dispositions and the block a confirmed hit puts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from advisory.errors import Conflict, DomainError, NotAllowed
from clients import kyc, matching, screening, services
from clients.kyc_models import HitStatus, HitSubject, ScreeningHit, WatchList, WatchListEntry, WatchListUpload
from tests.clients.factories import ClientFactory
from tests.clients.kyc_helpers import VALID_PRC_ID, make_approvable

HEADER = "name,aliases,date_of_birth,id_numbers,list_name\n"


def csv_file(body: str, name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + body).encode("utf-8"), content_type="text/csv")


def upload(actor, body: str, *, django_capture_on_commit_callbacks=None):
    preview = screening.watchlist_stage(actor=actor, upload=csv_file(body))
    return screening.watchlist_import(actor=actor, token=preview["token"], original_name="list.csv")


# -- matching ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ours,listed",
    [
        ("张伟", "ZHANG, Wei"),
        ("张伟", "Wei Zhang"),
        ("Zhang Wei", "张伟"),
        ("吕小明", "Lü Xiaoming"),
        ("Li Xiaolong", "李小龙"),
        ("欧阳娜娜", "Ouyang Nana"),
    ],
)
def test_chinese_pinyin_and_latin_spellings_meet(ours, listed):
    assert matching.score_pair(ours, listed) == 100


def test_near_spellings_score_below_exact_and_unrelated_names_do_not_match():
    assert 85 <= matching.score_pair("Zhang Weii", "Zhang Wei") < 100
    assert matching.score_pair("王芳", "Li Ming") < 50


def test_match_names_finds_pairs_above_the_cutoff_only():
    found = matching.match_names(
        [("a", matching.name_keys("张伟")), ("b", matching.name_keys("Wang Fang"))],
        [(1, matching.name_keys("Zhang Wei", orders=True)), (2, matching.name_keys("王小明", orders=True))],
        cutoff=90,
    )
    assert found == {("a", 1): 100}


# -- parsing and import ------------------------------------------------------------------------------
def test_malformed_file_is_rejected_with_rows_and_nothing_is_imported(compliance_officer):
    body = "张伟,Zhang Wei,1970-01-01,,制裁名单\n,,,,制裁名单\n李四,,1970-13-01,,制裁名单\n王五,,,,\n"
    with pytest.raises(DomainError) as exc:
        screening.watchlist_stage(actor=compliance_officer, upload=csv_file(body))
    errors = exc.value.fields["file"]
    assert errors[0].startswith("Row 3:") and "name is empty" in errors[0]
    assert errors[1].startswith("Row 4:") and "1970-13-01" in errors[1]
    assert errors[2].startswith("Row 5:") and "list name is empty" in errors[2]
    assert not WatchListEntry.objects.exists() and not WatchListUpload.objects.exists()


@pytest.mark.parametrize(
    "content,message",
    [
        (b"name,list_name\nA,B\n", "lacks the column"),
        (b"", "empty"),
        (HEADER.encode(), "no rows"),
        ("张伟,,,,名单\n".encode("gbk"), "UTF-8"),
        ((HEADER + "A,,,12-3?4,L\n").encode(), "identity number"),
    ],
)
def test_bad_files_are_field_errors(compliance_officer, content, message):
    with pytest.raises(DomainError) as exc:
        screening.watchlist_stage(actor=compliance_officer, upload=SimpleUploadedFile("l.csv", content))
    assert message in " ".join(exc.value.fields["file"]) or message in exc.value.message


def test_only_csv_files_are_accepted(compliance_officer):
    with pytest.raises(DomainError) as exc:
        screening.watchlist_stage(actor=compliance_officer, upload=SimpleUploadedFile("l.xlsx", b"x"))
    assert "file" in exc.value.fields


def test_only_compliance_uploads_lists(advisor, supervisor):
    for user in (advisor, supervisor):
        with pytest.raises(NotAllowed):
            screening.watchlist_stage(actor=user, upload=csv_file("张伟,,,,L\n"))


def test_preview_shows_changes_and_import_replaces_only_named_lists(compliance_officer):
    upload(compliance_officer, "张伟,Zhang Wei,1970-01-01,,制裁名单\n李四,,,,制裁名单\n王五,,,,PEP\n")
    preview = screening.watchlist_stage(
        actor=compliance_officer, upload=csv_file("张伟,Zhang Wei,1970-01-01,,制裁名单\n赵六,,,,制裁名单\n")
    )
    assert preview["lists"]["制裁名单"] == {"rows": 2, "added": 1, "removed": 1, "kept": 1}
    second = screening.watchlist_import(actor=compliance_officer, token=preview["token"])
    assert (second.added, second.removed) == (1, 1)
    active = set(WatchListEntry.objects.filter(is_active=True).values_list("name", flat=True))
    assert active == {"张伟", "赵六", "王五"}
    removed = WatchListEntry.objects.get(name="李四")
    assert removed.removed_by == second and not removed.is_active
    assert WatchList.objects.get(name="制裁名单").entry_count == 2
    assert second.history.exists()


def test_import_queues_the_rescreening(compliance_officer, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(screening, "_queue_rescreen", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        done = upload(compliance_officer, "张伟,,,,L\n")
    assert queued == [done.pk]


# -- screening ---------------------------------------------------------------------------------------
def test_rescreen_finds_clients_related_parties_and_id_numbers_once(compliance_officer, own_client, advisor):
    # given a client 张三 with a beneficial owner 王大明, and a client with a pinyin name
    services.related_party_add(
        client=own_client, actor=advisor, relationship="beneficial_owner", name="王大明"
    )
    pinyin_client = ClientFactory(name="Li Xiaolong", status="active")
    ClientFactory(name="张伟", status="ended")  # ended relationships are not screened
    # when compliance uploads a list with the pinyin of one, the characters of the other, an ID number
    done = upload(
        compliance_officer,
        f"WANG Daming,,,,制裁名单\n李小龙,Bruce Lee,1940-11-27,,PEP名单\n某人,,,{VALID_PRC_ID},制裁名单\n张伟,,,,制裁名单\n",
    )
    result = screening.screening_after_upload(upload=done)
    # then every match is stored once with its subject kind and score
    hits = {(h.subject_name, h.entry.name): h for h in ScreeningHit.objects.select_related("entry")}
    assert hits[("王大明", "WANG Daming")].subject_kind == HitSubject.BENEFICIAL_OWNER
    assert hits[("Li Xiaolong", "李小龙")].client == pinyin_client
    id_hit = hits[("Zhang San 张三", "某人")]
    assert id_hit.matched_on == "id_number" and id_hit.score == 100
    assert not any(name == "张伟" for name, _ in hits)
    assert result["new_hits"] == 3
    assert screening.screening_run()["new_hits"] == 0  # running again changes nothing
    done.refresh_from_db()
    assert done.screened_at and done.screening_result["new_hits"] == 3


def test_the_task_loads_the_upload_and_screens(compliance_officer):
    from clients.tasks import watchlist_rescreen_task

    ClientFactory(name="王芳", status="active")
    done = upload(compliance_officer, "Wang Fang,,,,L\n")
    assert watchlist_rescreen_task(done.pk)["new_hits"] == 1
    assert watchlist_rescreen_task(999999) == {}


def test_screening_at_onboarding_submission_and_hits_must_be_decided(
    ready_case, advisor, supervisor, compliance_officer
):
    # given a list naming the client in pinyin
    upload(compliance_officer, "Zhang San,,,,制裁名单\n")
    # when the advisor submits the case, the client is screened
    case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    hit = ScreeningHit.objects.get(client=case.client)
    assert hit.status == HitStatus.OPEN
    make_approvable(case, supervisor)
    with pytest.raises(Conflict) as exc:
        services.onboarding_transition(case=case, action="approve", actor=supervisor)
    assert "watch-list hit" in exc.value.message
    # a false positive with a reason lets the case through
    screening.screening_hit_dispose(
        hit=hit, actor=compliance_officer, status="false_positive", reason="出生日期与证件号均不符"
    )
    case = services.onboarding_transition(case=case, action="approve", actor=supervisor)
    assert case.step == "registered"


def test_confirmed_hit_blocks_onboarding_and_proposals(ready_case, advisor, supervisor, compliance_officer):
    from planning.services import proposal_create

    upload(compliance_officer, "张三,,,,制裁名单\n")
    case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    make_approvable(case, supervisor)
    hit = ScreeningHit.objects.get(client=case.client)
    screening.screening_hit_dispose(
        hit=hit, actor=compliance_officer, status="confirmed", reason="与名单人员一致"
    )
    with pytest.raises(Conflict) as exc:
        services.onboarding_transition(case=case, action="approve", actor=supervisor)
    assert "confirmed" in exc.value.message
    assert [b.code for b in kyc.relationship_blockers(client=case.client)] == ["screening_confirmed"]
    with pytest.raises(Conflict):
        proposal_create(client=case.client, actor=advisor, title="方案")
    assert advisor.notifications.filter(kind="clients.screening_confirmed").exists()


def test_disposition_rules(own_client, advisor, supervisor, compliance_officer):
    upload(compliance_officer, "张三,,,,L\n")
    screening.screening_run()
    hit = ScreeningHit.objects.get()
    for user in (advisor, supervisor):
        with pytest.raises(NotAllowed):
            screening.screening_hit_dispose(hit=hit, actor=user, status="confirmed", reason="x")
    with pytest.raises(DomainError) as exc:
        screening.screening_hit_dispose(hit=hit, actor=compliance_officer, status="confirmed", reason=" ")
    assert "reason" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        screening.screening_hit_dispose(hit=hit, actor=compliance_officer, status="open", reason="x")
    assert "status" in exc.value.fields
    hit = screening.screening_hit_dispose(
        hit=hit, actor=compliance_officer, status="false_positive", reason="不同人"
    )
    assert hit.reviewed_by == compliance_officer and hit.reviewed_at and hit.reason == "不同人"
    hit = screening.screening_hit_dispose(
        hit=hit, actor=compliance_officer, status="confirmed", reason="新证据"
    )
    with pytest.raises(Conflict):
        screening.screening_hit_dispose(
            hit=hit, actor=compliance_officer, status="false_positive", reason="x"
        )
    assert list(hit.history.order_by("history_id").values_list("status", flat=True)) == [
        "open",
        "false_positive",
        "confirmed",
    ]
