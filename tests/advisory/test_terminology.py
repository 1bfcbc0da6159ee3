"""The catalogs say what the English means, in the industry's words (issue 13): a state is not a
time ("Received" is 已受理, not 受理时间), Simplified and Traditional are not mixed, and the
terms of investor suitability management are the usual ones (docs/i18n.md, "Terminology")."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

from audit.models import AuditAction
from clients.service_models import ActivityKind
from complaints.models import State
from planning.models import ProposalStatus
from risk.models import RiskRegisterCategory

LOCALE = Path(__file__).resolve().parents[2] / "locale"
# Characters that exist only in one of the two scripts (a sample of the common ones).
SIMPLIFIED_ONLY = set(
    "户们这个为对时会发现经过进还后来应实险评资务规则认证报书审签销删设统计单项类级额质练责续关闭开选择账号码邮电话联员职构门问题记录档导载态编辑显预访调满处结论观见议讨听测确复"
)
TRADITIONAL_ONLY = set(
    "戶們這個為對時會發現經過進還後來應實險評資務規則認證報書審簽銷刪設統計單項類級額質練責續關閉開選擇賬號碼郵電話聯係員職構門問題記錄檔導載態編輯顯預訪調滿處結論觀見議討聽測確複"
)


@pytest.mark.parametrize(
    ("label", "hans", "hant"),
    [
        (State.RECEIVED.label, "已受理", "已受理"),
        (ProposalStatus.SUBMITTED.label, "已提交", "已提交"),
        (ProposalStatus.ISSUED.label, "已向客户出具", "已向客戶出具"),
        (AuditAction.CREATE.label, "已创建", "已建立"),
        (ActivityKind.EMAIL.label, "电子邮件", "電子郵件"),
        (RiskRegisterCategory.LIQUIDITY.label, "流动性风险", "流動性風險"),
    ],
)
def test_states_read_as_states(label, hans, hant):
    for language, expected in (("zh-hans", hans), ("zh-hant", hant)):
        with translation.override(language):
            assert str(label) == expected


@pytest.mark.parametrize(
    ("msgid", "hans"),
    [
        ("Investor level", "风险承受能力等级"),
        ("Suitability", "适当性"),
        ("Four-eyes rule: someone other than the person who asked must decide.", "双人复核"),
        ("Risk disclosure acknowledged", "风险揭示书"),
        ("Complaint", "投诉"),
    ],
)
def test_industry_terms(msgid, hans):
    with translation.override("zh-hans"):
        assert hans in translation.gettext(msgid)


@pytest.mark.parametrize(
    ("catalog", "foreign"), [("zh_Hans", TRADITIONAL_ONLY), ("zh_Hant", SIMPLIFIED_ONLY)]
)
def test_scripts_are_not_mixed(catalog, foreign):
    po = polib.pofile(str(LOCALE / catalog / "LC_MESSAGES" / "django.po"))
    mixed = [
        (e.msgid, text)
        for e in po
        if not e.obsolete
        for text in [e.msgstr, *e.msgstr_plural.values()]
        if set(text) & foreign
    ]
    assert mixed == []
