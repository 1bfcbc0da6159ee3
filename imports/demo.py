"""Demo data: one completed import of two legacy clients by the demo compliance officer (its
preview, its audit event with the file's SHA-256, the two new prospects in Li Wei's book).
Idempotent: the same demo file is imported once."""

from __future__ import annotations

from advisory.models import User
from advisory.roles import Role

from . import services
from .models import ImportBatch, ImportState

DEMO_FILE = (
    "name,advisor_email,id_document_type,id_number,email,phone,relationship_started_on,currency,"
    "monthly_income,monthly_expenses,liquid_reserves,income_stability,investment_years\n"
    "周建国,advisor@demo.advisory,prc_id,{a},zhou.jianguo@example.com,13912345678,2016-05-20,CNY,"
    "42000,15000,380000,stable,9\n"
    "吴丽华,advisor@demo.advisory,prc_id,{b},wu.lihua@example.com,13787654321,2019-11-02,CNY,"
    "18000,9000,120000,variable,3\n"
)


def _prc(body: str) -> str:
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


def demo_file() -> bytes:
    return DEMO_FILE.format(a=_prc("31010419750315021"), b=_prc("31010419820708042")).encode("utf-8")


def seed(ctx: dict) -> None:
    import hashlib

    data = demo_file()
    if ImportBatch.objects.filter(sha256=hashlib.sha256(data).hexdigest()).exists():
        return
    compliance = User.objects.filter(role=Role.COMPLIANCE, email="compliance@demo.advisory").first()
    if (
        compliance is None
        or not User.objects.filter(email="advisor@demo.advisory", role=Role.ADVISOR).exists()
    ):
        return
    batch = services.batch_upload(actor=compliance, kind="clients", name="旧系统客户导出.csv", data=data)
    if batch.state != ImportState.PREVIEWED or batch.has_errors:
        return  # e.g. these people were entered by hand already: nothing to show
    services.batch_confirm(batch=batch, actor=compliance)
    # The task is queued after commit; the demo runs it now (running it again changes nothing).
    services.batch_run(batch_id=batch.pk)
