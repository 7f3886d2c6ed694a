"""Hardening (security finding "missing hardening"): a Content-Security-Policy with a
per-response nonce on every page; no page or JSON kept by any cache; document files and the
embedded database readable by the service's own account only; refused uploads and imports
audited, by every route that takes them."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from observatory.audit.models import AuditEvent
from observatory.cli import main
from observatory.repository.models import Document, DocumentVersion

from .conftest import PASSWORD, add_document, make_review, make_user, term

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
HTML_PAGE = b"<!DOCTYPE html><html><body>not a pdf</body></html>"


# -- Content-Security-Policy ---------------------------------------------------------------
class _Tags(HTMLParser):
    """Inline scripts and styles with their nonce; style attributes; event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.nonces: list[tuple[str, str | None]] = []
        self.bad: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag in ("script", "style") and names.get("type") != "application/json":
            self.nonces.append((tag, names.get("nonce")))
        self.bad += [f"<{tag} {k}=...>" for k, _ in attrs
                     if k == "style" or k.startswith("on")]
        if tag == "a" and names.get("href", "").startswith("/"):
            self.links.append(names["href"].split("#")[0])


SKIP = re.compile(r"/(logout|delete|download|export|results\.|api/|admin/)|format=|download=")


def _crawl(client: Client, limit: int = 60) -> dict[str, object]:
    """The site's pages reachable by links from the home page (HTML only, no downloads)."""
    seen: dict[str, object] = {}
    queue = ["/", "/accounts/login/", "/search/?q=child", "/analysis/", "/coding/",
             "/consultations/", "/audit/", "/no-such-page/"]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or SKIP.search(url):
            continue
        response = client.get(url)
        seen[url] = response
        if response.get("Content-Type", "").startswith("text/html"):
            parser = _Tags()
            parser.feed(response.content.decode())
            queue += parser.links
    return seen


def test_every_page_has_a_csp_and_every_inline_script_and_style_its_nonce(db):
    review = make_review("CSP-1")
    add_document(review, "overview_report")
    admin = make_user("admin")
    client = Client()
    client.force_login(admin)
    pages = _crawl(client)
    assert len(pages) >= 15, sorted(pages)
    for url, response in pages.items():
        policy = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy, url
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = _Tags()
        parser.feed(response.content.decode())
        assert all(n == nonce for _, n in parser.nonces), (url, parser.nonces)
        assert not parser.bad, (url, parser.bad)


def test_nonce_differs_per_response(client):
    first, second = client.get("/"), client.get("/")
    assert first["Content-Security-Policy"] != second["Content-Security-Policy"]


# -- Cache-Control -------------------------------------------------------------------------
@pytest.mark.parametrize("signed_in", [True, False])
@pytest.mark.parametrize("url", ["/", "/reviews/", "/reviews/?format=json", "/api/reviews",
                                 "/accounts/login/", "/no-such-page/"])
def test_no_page_or_json_may_be_stored_by_a_cache(db, url, signed_in):
    make_review("CC-1")
    client = Client()
    if signed_in:
        client.force_login(make_user("analyst"))
    response = client.get(url)
    assert "no-store" in response["Cache-Control"], (url, response["Cache-Control"])
    assert "private" in response["Cache-Control"] or response["Cache-Control"] == "no-store"


def test_confidential_document_pages_are_no_store(db):
    review = make_review("CC-2")
    document = add_document(review, "imr")
    client = Client()
    client.force_login(make_user("analyst"))
    for url in (f"/documents/{document.pk}/", f"/documents/{document.pk}/?format=json",
                f"/api/documents/{document.pk}", f"/documents/{document.pk}/download/"):
        response = client.get(url)
        assert "no-store" in response.get("Cache-Control", ""), url


def test_static_files_keep_their_cache_lifetime(client, settings):
    response = client.get("/static/govuk-frontend/govuk/govuk-frontend.min.css")
    if response.status_code == 404:
        pytest.skip("GOV.UK Frontend not installed (npm ci)")
    assert "no-store" not in response.get("Cache-Control", "")


# -- file permissions ----------------------------------------------------------------------
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("kind", ["imr", "overview_report"])
def test_stored_documents_are_0600_in_0700_folders(db, settings, kind):
    document = add_document(make_review("FP-1"), kind)
    version = document.versions.get()
    from django.core.files.storage import storages

    storage = storages[version.storage_area]
    path = Path(storage.path(version.path))
    assert _mode(path) == 0o600, oct(_mode(path))
    folder = path.parent
    while folder != Path(storage.location).parent:
        assert _mode(folder) == 0o700, (folder, oct(_mode(folder)))
        folder = folder.parent


def test_embedded_database_and_data_folder_are_private(tmp_path):
    data = tmp_path / "data"
    code = ("import django; django.setup(); from django.db import connection; "
            "c = connection.cursor(); c.execute('create table t (x int)'); "
            "c.execute('insert into t values (1)')")
    env = {**os.environ, "OBSERVATORY_DATA": str(data), "OBSERVATORY_TESTING": "0",
           "DJANGO_SETTINGS_MODULE": "observatory.settings",
           "PYTHONPATH": str(ROOT / "src")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert _mode(data) == 0o700
    files = sorted(data.glob("observatory.sqlite3*"))
    assert files and all(_mode(f) == 0o600 for f in files), [(f.name, oct(_mode(f)))
                                                              for f in files]
    # an older, world-readable database is closed on the next start
    (data / "observatory.sqlite3").chmod(0o644)
    subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                   cwd=tmp_path, check=True, timeout=120)
    assert _mode(data / "observatory.sqlite3") == 0o600


# -- refused uploads and imports are audited -----------------------------------------------
def _refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(allowed=False, detail__startswith="refused"))


def _analyst_client() -> Client:
    client = Client()
    client.force_login(make_user("analyst"))
    return client


def test_refused_web_upload_is_audited(db):
    review = make_review("RA-1")
    client = _analyst_client()
    for upload in (SimpleUploadedFile("report.pdf", HTML_PAGE),  # by its content
                   SimpleUploadedFile("empty.pdf", b"")):  # by the form
        client.post(f"/reviews/{review.reference}/upload/",
                    {"kind": term("document_kind", "overview_report").pk, "file": upload})
    events = _refusals()
    assert [e.action for e in events] == ["create", "create"] and not Document.objects.exists()
    assert "empty.pdf" in events[0].detail and "report.pdf" in events[1].detail
    assert all(e.channel == "web" and e.username == "analyst" for e in events)


def test_refused_new_version_is_audited(db):
    document = add_document(make_review("RA-2"), "overview_report")
    client = _analyst_client()
    client.post(f"/documents/{document.pk}/versions/new/",
                {"file": SimpleUploadedFile("v2.pdf", HTML_PAGE)})
    [event] = _refusals()
    assert event.action == "change" and event.object_id == str(document.pk)
    assert DocumentVersion.objects.count() == 1


def test_refused_api_upload_is_audited(db):
    review = make_review("RA-3")
    client = _analyst_client()
    response = client.post(f"/api/reviews/{review.reference}/documents",
                           {"kind": "overview_report",
                            "file": SimpleUploadedFile("r.pdf", HTML_PAGE)})
    assert response.status_code == 400, response.content
    [event] = _refusals()
    assert event.channel == "api" and "r.pdf" in event.detail


def test_refused_cli_ingest_is_audited(db, tmp_path):
    make_review("RA-4")
    make_user("admin")
    bad = tmp_path / "RA-4 overview report.pdf"
    bad.write_bytes(HTML_PAGE)
    result = CliRunner().invoke(main, ["ingest", str(bad), "--user", "admin"])
    assert result.exit_code == 1, result.output
    [event] = _refusals()
    assert event.channel == "cli" and bad.name in event.detail and event.username == "admin"


def test_refused_dataset_imports_are_audited_api_and_cli(db, tmp_path):
    bad = b"reference,title,local_authority,review_type\nX-1,t,Atlantis,scr\n"
    client = _analyst_client()
    response = client.post("/api/reviews/import",
                           {"file": SimpleUploadedFile("bad.csv", bad)})
    assert response.json()["ok"] is False
    path = tmp_path / "bad.csv"
    path.write_bytes(bad)
    assert CliRunner().invoke(main, ["dataset", "import", str(path)]).exit_code == 1
    events = _refusals()
    assert [(e.action, e.channel) for e in events] == [("import", "cli"), ("import", "api")]


def test_refused_delphi_imports_are_audited_web_and_cli(db, tmp_path):
    steering = make_user("steering")
    client = Client()
    client.force_login(steering)
    for upload in (SimpleUploadedFile("empty.csv", b""),  # refused by the form
                   SimpleUploadedFile("bad.docx", b"not a table")):  # by its content
        client.post("/consultations/import/", {"title": "t", "values": "counts",
                                               "source": "s", "file": upload})
    path = tmp_path / "bad.csv"
    path.write_bytes(b"section,number\n")
    result = CliRunner().invoke(main, ["delphi", "import", str(path), "--values", "counts"])
    assert result.exit_code != 0
    assert sorted(e.channel for e in _refusals()) == ["cli", "web", "web"]


def test_refused_codebook_and_analysis_imports_from_the_cli_are_audited(db, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("this is not toml = = =")
    assert CliRunner().invoke(main, ["coding", "import-codebook", str(bad)]).exit_code == 1
    table = tmp_path / "population.csv"
    table.write_text("la_code,year\nE99999999,nope\n")
    assert CliRunner().invoke(main, ["import", "population", str(table)]).exit_code == 1
    kinds = sorted(e.object_kind for e in _refusals())
    assert kinds == ["analysis_population", "codebook"], kinds


def test_password_is_never_in_the_audit_log(db):
    assert PASSWORD not in "".join(AuditEvent.objects.values_list("detail", flat=True))
