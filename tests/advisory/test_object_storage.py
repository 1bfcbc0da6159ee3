"""Files on S3-compatible object storage (issue 18 §5): one switch, every upload, PDF and download.

Runs against a real S3 API on loopback (moto's server, started per module), through boto3 and
django-storages exactly as production would talk to a bucket.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import boto3
import environ
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer

from advisory import documents
from advisory.storage import FileStorageMisconfigured, storages_setting
from audit.models import AuditAction, AuditEntry
from tests.clients.factories import ClientFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF"
BUCKET = "advisory-archive"
STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch, tmp_path):
    """A fresh bucket with Object Lock, and STORAGES switched to it by the environment variables."""
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
    )
    name = f"{BUCKET}-{tmp_path.name.lower().replace('_', '-')[-20:]}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    for key, value in {
        "FILE_STORAGE": "s3",
        "S3_BUCKET": name,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "k",
        "S3_SECRET_ACCESS_KEY": "s",
        "S3_OBJECT_LOCK_MODE": "compliance",
        "S3_OBJECT_LOCK_DAYS": "3650",
    }.items():
        monkeypatch.setenv(key, value)
    settings.STORAGES = storages_setting(environ.Env(), staticfiles_backend=STATIC)
    yield s3, name
    settings.STORAGES = storages_setting(environ.Env(FILE_STORAGE=(str, "local")), staticfiles_backend=STATIC)


def _keys(s3, name: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]


def test_upload_lands_in_the_bucket_locked_and_downloads_through_the_view(bucket, web_as, advisor, settings):
    s3, name = bucket
    client = ClientFactory(advisor=advisor)
    http = web_as(advisor)
    response = http.post(
        reverse("clients:document_upload", args=[client.pk]),
        {"kind": "identity", "title": "ID copy", "file": SimpleUploadedFile("id.pdf", PDF)},
    )
    assert response.status_code == 302
    document = client.documents.get()
    # in the bucket, not on this host's disk
    assert document.file.name in _keys(s3, name)
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    # written under Object Lock: the bucket itself refuses to overwrite or delete it for 10 years
    head = s3.head_object(Bucket=name, Key=document.file.name)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    until = head["ObjectLockRetainUntilDate"]
    assert until > datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3640)
    # the download view streams the same bytes from the bucket, audited
    download = http.get(reverse("clients:document_download", args=[document.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, record_id=str(document.pk)).exists()


def test_a_generated_pdf_is_stored_in_the_bucket_and_verifies(bucket, advisor):
    s3, name = bucket

    def render(document):
        return "pdf/base.html", {}

    documents.register_renderer("test.s3notice", render)
    try:
        doc = documents.document_request(
            kind="test.s3notice", subject=advisor, title="通知", actor=advisor, render_now=True
        )
    finally:
        documents._RENDERERS.pop("test.s3notice", None)
    body = s3.get_object(Bucket=name, Key=doc.file.name)["Body"].read()
    assert body.startswith(b"%PDF") and hashlib.sha256(body).hexdigest() == doc.sha256
    assert documents.document_verify(document=doc)


def test_transient_files_are_not_locked_and_health_probe_passes(bucket, client, db):
    s3, name = bucket
    saved = default_storage.save("exports/list.csv", SimpleUploadedFile("list.csv", b"a,b\n"))
    assert "ObjectLockMode" not in s3.head_object(Bucket=name, Key=saved)
    default_storage.delete(saved)
    assert not default_storage.exists(saved)
    # /health/ writes, reads and deletes a probe file in the configured storage
    response = client.get("/health/?format=json", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content


def test_a_missing_object_is_a_404_not_a_500(bucket, web_as, advisor):
    s3, name = bucket
    client = ClientFactory(advisor=advisor)
    http = web_as(advisor)
    http.post(
        reverse("clients:document_upload", args=[client.pk]),
        {"kind": "other", "title": "x", "file": SimpleUploadedFile("x.pdf", PDF)},
    )
    document = client.documents.get()
    # simulate a lost object (a GOVERNANCE bypass by the bucket owner)
    s3.delete_object(Bucket=name, Key=document.file.name)
    assert http.get(reverse("clients:document_download", args=[document.pk])).status_code == 404


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"FILE_STORAGE": "ftp"}, "must be 'local' or 's3'"),
        ({"FILE_STORAGE": "s3"}, "needs S3_BUCKET"),
        (
            {"FILE_STORAGE": "s3", "S3_BUCKET": "b", "S3_OBJECT_LOCK_MODE": "forever"},
            "GOVERNANCE or COMPLIANCE",
        ),
        (
            {"FILE_STORAGE": "s3", "S3_BUCKET": "b", "S3_OBJECT_LOCK_MODE": "GOVERNANCE"},
            "S3_OBJECT_LOCK_DAYS",
        ),
    ],
)
def test_misconfiguration_is_refused_with_a_reason(monkeypatch, variables, message):
    for key in ("FILE_STORAGE", "S3_BUCKET", "S3_OBJECT_LOCK_MODE", "S3_OBJECT_LOCK_DAYS"):
        monkeypatch.delenv(key, raising=False)
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(FileStorageMisconfigured, match=message):
        storages_setting(environ.Env(), staticfiles_backend=STATIC)


def test_local_disk_is_the_default(monkeypatch):
    monkeypatch.delenv("FILE_STORAGE", raising=False)
    setting = storages_setting(environ.Env(), staticfiles_backend=STATIC)
    assert setting["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
