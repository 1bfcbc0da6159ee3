"""The inspection export a regulator reads: landscape, human record names, changes as
field: old → new, filters in words, page x of y, and the verification on the cover."""

import io

from pypdf import PdfReader

from advisory.documents import document_render
from advisory.history import audited_save
from audit.models import AuditExport, RetentionRule
from audit.selectors import EntryFilters
from audit.services import audit_export_pdf


def test_inspection_export_reads_as_a_document(compliance_officer):
    # given a record changed twice with reasons
    rule = RetentionRule(record_type="insp", name="Inspection rule", years=2, trigger="t")
    audited_save(rule, actor=compliance_officer, reason="new rule")
    rule.years = 9
    audited_save(rule, actor=compliance_officer, reason="longer after review")
    # when compliance exports the trail of that record type as a PDF
    export = audit_export_pdf(
        actor=compliance_officer, filters=EntryFilters(record_type="audit.retentionrule")
    )
    export = AuditExport.objects.select_related("document").get(pk=export.pk)
    assert document_render(document_id=export.document_id)
    export.document.refresh_from_db()
    with export.document.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # then the pages are landscape and numbered "x / y"
    box = reader.pages[0].mediabox
    assert box.width > box.height
    assert f"Page 1 / {len(reader.pages)}" in text
    # the filters are in words and the cover states the verification of these entries
    assert "Record type: Retention rule" in text
    assert "{'record_type'" not in text and "audit.retentionrule" not in text
    assert "recomputed to" in text and "Chain head" in text
    # records have their human name and changes read field: old → new with the field's label
    assert "Retention rule · " in text
    assert "years kept after the trigger: 2 → 9" in " ".join(text.split())
    assert "longer after review" in text
    # the template code is out of the header and footer
    assert "audit.inspection_export" not in text
