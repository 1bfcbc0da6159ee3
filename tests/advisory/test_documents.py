import hashlib

import pytest
from pypdf import PdfReader

from advisory import documents
from advisory.models import ArchivedDocument, DocumentStatus


@pytest.fixture
def notice_renderer():
    def render(document):
        return "pdf/base.html", {"extra": document.params.get("text", "")}

    documents.register_renderer("test.notice", render)
    yield
    documents._RENDERERS.pop("test.notice", None)


def test_document_is_rendered_archived_with_hash_and_versioned(notice_renderer, advisor):
    # given a subject record
    subject = advisor
    # when the document is requested twice
    first = documents.document_request(
        kind="test.notice", subject=subject, title="Notice 通知", actor=advisor, render_now=True
    )
    second = documents.document_request(
        kind="test.notice", subject=subject, title="Notice 通知", actor=advisor, render_now=True
    )
    # then both versions are kept, ready, with the SHA-256 of the stored bytes
    assert (first.version, second.version) == (1, 2)
    for doc in (first, second):
        assert doc.status == DocumentStatus.READY and doc.progress == 100
        data = doc.file.open("rb").read()
        assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == doc.sha256
        assert documents.document_verify(document=doc)
    assert ArchivedDocument.objects.filter(kind="test.notice").count() == 2
    assert first.file.name != second.file.name
    reader = PdfReader(first.file.path)
    assert "Page 1 / 1" in reader.pages[0].extract_text()


def test_render_is_claimed_once(notice_renderer, advisor):
    doc = documents.document_request(
        kind="test.notice", subject=advisor, title="N", actor=advisor, render_now=True
    )
    # running the task again does nothing: the row is no longer pending
    assert documents.document_render(document_id=doc.pk) is False


def test_tampered_file_fails_verification(notice_renderer, advisor):
    doc = documents.document_request(
        kind="test.notice", subject=advisor, title="N", actor=advisor, render_now=True
    )
    with open(doc.file.path, "ab") as fh:
        fh.write(b"tamper")
    assert documents.document_verify(document=doc) is False


def test_unknown_kind_is_refused(advisor):
    with pytest.raises(ValueError, match="No renderer"):
        documents.document_request(kind="nope", subject=advisor, title="x", actor=advisor)
