"""Demo data for know your client (idempotent), in two parts:

- `record_identity` and `prepare_approval` are called by clients.demo while it moves the demo
  onboarding cases: an identity document (with its copy) before identity verification; a
  signed agreement and the due diligence before the initial review's approval.
- `seed` runs after risk.demo (the approval needs a confirmed risk profile): it approves the
  prepared cases, uploads two watch lists (Chinese characters, pinyin and Latin spellings, an
  identity number) and screens everyone, decides some hits (a false positive, a confirmed match)
  and leaves others open for the compliance queue; an enhanced review waits for compliance; a
  document expires soon, another has expired; a refresh is overdue and one waits for review.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from advisory.clock import today
from advisory.history import audited_save
from advisory.roles import Role

from . import due_diligence, kyc, screening, services
from .identity import email_hash
from .kyc_models import DueDiligence, HitStatus, IdentityDocument, KycRefresh, RefreshStatus, ScreeningHit
from .models import AgreementStatus, Client, ClientKind, OnboardingCase, OnboardingStep, RelationshipKind

COPY = b"%PDF-1.4\n% demo copy of an identity document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PENDING = "kyc_pending_approval"

# email → (issued years ago, expires in days or None for life, how verified)
IDENTITY_PLAN = {
    "wang.lei@demo.client": (9, 20, "in_person"),  # expires within 30 days: a warning
    "maria.chan@demo.client": (6, None, "video"),
    "lin.chihhao@demo.client": (9, 300, "online_check"),  # made expired below
}
WATCH_LIST = """name,aliases,date_of_birth,id_numbers,list_name
ZHANG San,张三;Chang San,1961-04-02,,制裁名单（演示）
黄丽,Huang Li;HUANG Lily,1988-09-14,,制裁名单（演示）
Chen Mei,陈美;Chan Mei,1979-01-30,,政治公众人物名单（演示）
WANG Daming,王大明,1965-07-07,,政治公众人物名单（演示）
刘某某,,1970-05-05,H12345678,执法协查名单（演示）
赵无极,Zhao Wuji,1950-01-01,,执法协查名单（演示）
"""


def _first(email: str) -> str:
    return email.split("@")[0]


def record_identity(client: Client, advisor) -> IdentityDocument | None:
    """The identity document seen at onboarding, as the advisor records it."""
    if IdentityDocument.objects.filter(client=client).exists() or not client.id_number:
        return None
    issued_years, expires_days, method = IDENTITY_PLAN.get(client.email, (3, 365 * 7, "in_person"))
    on = today()
    expires = on + datetime.timedelta(days=expires_days) if expires_days is not None else None
    if client.id_document_type in ("uscc", "hk_id", "tw_id") and client.email not in IDENTITY_PLAN:
        expires = None
    return kyc.identity_document_add(
        client=client,
        actor=advisor,
        document_type=client.id_document_type,
        number=client.id_number,
        issuing_country=client.id_issuing_country or ("CN" if client.id_document_type == "passport" else ""),
        issued_on=on.replace(year=on.year - issued_years),
        expires_on=expires,
        verification_method=method,
        copy=SimpleUploadedFile("identity.pdf", COPY, content_type="application/pdf"),
        note="演示数据：原件已核对",
    )


def prepare_approval(case: OnboardingCase, advisor, reviewer) -> None:
    """Submit the case, sign the agreement and record the due diligence; approval follows in
    `seed` once the risk profile exists."""
    client = case.client
    if case.step == OnboardingStep.INFORMATION_COLLECTION:
        case = services.onboarding_transition(
            case=case, action="submit_for_review", actor=advisor, note="资料齐全，提交复核"
        )
    if not client.agreements.filter(status=AgreementStatus.ACTIVE, signed_on__isnull=False).exists():
        services.agreement_save(
            client=client,
            actor=advisor,
            data={
                "scope": "理财规划与投资顾问服务，每年复核一次。",
                "fee_structure": "aum",
                "fee_details": "按顾问资产规模年费 0.8%，按季收取",
                "starts_on": today() - datetime.timedelta(days=200),
                "ends_on": today() + datetime.timedelta(days=530),
                "termination_notice_days": 30,
                "termination_conditions": "任一方可提前30天书面通知终止，费用按比例结算。",
                "signed_on": today() - datetime.timedelta(days=201),
            },
        )
    if (
        client.kind == ClientKind.INSTITUTION
        and not client.related_parties.filter(relationship=RelationshipKind.BENEFICIAL_OWNER).exists()
    ):
        services.related_party_add(
            client=client, actor=advisor, relationship="beneficial_owner", name="王大明", notes="持股 62%"
        )
    if not DueDiligence.objects.filter(case=case).exists():
        institution = client.kind == ClientKind.INSTITUTION
        due_diligence.due_diligence_record(
            case=case,
            actor=reviewer,
            data={
                "identity_verified": True,
                "beneficial_owner_identified": institution,
                "beneficial_owner_verified": institution,
                "source_of_funds": "企业经营利润" if institution else "工资及奖金收入，银行流水已核对",
                "purpose": "闲置资金的中长期配置" if institution else "养老与子女教育规划",
                "ml_risk": "medium" if institution else "low",
                "ml_risk_reasons": "企业客户，股权结构清晰" if institution else "本地工薪客户，资金来源清晰",
            },
        )


def seed(ctx: dict) -> None:
    users = ctx.get("users", {})
    supervisor = users.get(Role.SUPERVISOR)
    compliance = users.get(Role.COMPLIANCE)
    reviewer = supervisor or compliance
    clients = {c.email: c for c in Client.objects.filter(email__endswith="@demo.client")}

    # 1. approve the prepared cases whose file is now complete (Sun Wei has no risk profile yet:
    #    his case waits at the initial review, naming what is missing)
    for case in OnboardingCase.objects.filter(
        step=OnboardingStep.INITIAL_REVIEW,
        due_diligence__isnull=False,
        due_diligence__ml_risk__in=("low", "medium"),
    ).select_related("client"):
        if not kyc.onboarding_approval_missing(case=case):
            services.onboarding_transition(case=case, action="approve", actor=reviewer, note="复核通过")

    # 2. high risk waiting for the second reviewer (Chen Mei: offshore trust)
    chen = clients.get("chen.mei@demo.client")
    if chen is not None:
        case = chen.onboarding_cases.filter(step=OnboardingStep.INITIAL_REVIEW).first()
        if case is not None and not DueDiligence.objects.filter(case=case).exists():
            due_diligence.due_diligence_record(
                case=case,
                actor=supervisor or reviewer,
                data={
                    "identity_verified": True,
                    "source_of_funds": "境外家族信托分配",
                    "purpose": "境内资产配置",
                    "ml_risk": "high",
                    "ml_risk_reasons": "资金来自境外信托结构，受益人链条较长",
                },
            )

    # 3. identity documents: one expired (Lin Chih-hao)
    lin = clients.get("lin.chihhao@demo.client")
    if lin is not None:
        doc = IdentityDocument.objects.filter(client=lin, superseded_at=None).first()
        if doc is not None and (doc.expires_on is None or doc.expires_on >= today()):
            doc.expires_on = today() - datetime.timedelta(days=10)
            audited_save(doc, actor=None, reason="demo data: the document has since expired")

    # 4. refresh: overdue for Li Na, waiting for review for Zhang San
    li = clients.get("li.na@demo.client")
    if li is not None and hasattr(li, "kyc_profile") and li.kyc_profile.next_refresh_due > today():
        profile = li.kyc_profile
        profile.next_refresh_due = today() - datetime.timedelta(days=12)
        audited_save(profile, actor=None, reason="demo data: refresh fell due")
    zhang = Client.objects.filter(email_hash=email_hash("zhang.san@demo.client")).first()
    if (
        zhang is not None
        and not KycRefresh.objects.filter(client=zhang).exists()
        and zhang.status == "active"
    ):
        refresh = kyc.kyc_refresh_start(client=zhang, actor=zhang.advisor)
        services.client_update(
            client=zhang,
            actor=zhang.advisor,
            data={"monthly_income": zhang.monthly_income + 4000},
            reason="demo data",
        )
        kyc.kyc_refresh_submit(
            refresh=refresh,
            actor=zhang.advisor,
            identity_confirmed=True,
            contact_confirmed=True,
            financial_confirmed=True,
            aml_risk="low",
            note="客户年度调薪，收入上调",
        )

    # 5. watch lists and screening
    if compliance is not None and not ScreeningHit.objects.exists():
        preview = screening.watchlist_stage(
            actor=compliance,
            upload=SimpleUploadedFile("watchlist-demo.csv", WATCH_LIST.encode(), content_type="text/csv"),
        )
        screening.watchlist_import(
            actor=compliance, token=preview["token"], original_name="watchlist-demo.csv"
        )
        screening.screening_run(actor=compliance)
        decisions = {
            "Zhang San 张三": ("false_positive", "出生日期（1961 年）与客户身份证不符，非同一人"),
            "Huang Li 黄丽": ("confirmed", "姓名、出生日期与名单一致，已上报合规负责人"),
        }
        for hit in ScreeningHit.objects.filter(status=HitStatus.OPEN).select_related("client"):
            decision = decisions.get(hit.subject_name)
            if decision:
                screening.screening_hit_dispose(
                    hit=hit, actor=compliance, status=decision[0], reason=decision[1]
                )
    ctx["kyc_refresh_waiting"] = KycRefresh.objects.filter(status=RefreshStatus.SUBMITTED).count()
    # The files as they are now (the approvals above made clients active): the later demos pick
    # their active clients from this list.
    if ctx.get("clients"):
        ctx["clients"] = [Client.objects.get(pk=c.pk) for c in ctx["clients"]]
        ctx["demo_client"] = ctx["clients"][0]
