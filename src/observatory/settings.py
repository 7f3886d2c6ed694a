"""Settings for the Case Review Observatory.

Everything a deployment changes comes from the environment: ``DATABASE_URL`` selects the
database (SQLite file by default, PostgreSQL for the national service), ``OBSERVATORY_DATA``
the folder for the embedded database and stored documents.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("OBSERVATORY_DATA", PROJECT_DIR / "var")).resolve()
# The service's own folder (database, key, documents): its account only (docs/security.md).
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
TESTING = "pytest" in sys.modules or os.environ.get("OBSERVATORY_TESTING") == "1"



def _local_secret_key() -> str:
    """A key of this installation's own, made once and kept beside its data (readable by
    its owner only), so that no two installations ever share a published default key. The
    national service sets DJANGO_SECRET_KEY instead."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        import secrets
        import tempfile

        # Written whole, then linked into place: the web server and the workers start
        # together, and whichever links first wins; the others read its key.
        fd, temporary = tempfile.mkstemp(dir=DATA_DIR)  # mode 0600
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _local_secret_key()
# Off unless asked for: a debug page would show the data of the request that failed.
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# Browsers get no more than they need, everywhere.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"
# Behind TLS (the national service): secure cookies, HSTS, redirect to https. The proxy in
# front must set X-Forwarded-Proto. `observatory manage check --deploy` is clean with it.
if os.environ.get("OBSERVATORY_HTTPS") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("OBSERVATORY_HSTS_SECONDS", 31_536_000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is hard to undo and a decision for the domain's owner, so it is asked for
    # explicitly; until then the deployment check's reminder about it is silenced.
    SECURE_HSTS_PRELOAD = os.environ.get("OBSERVATORY_HSTS_PRELOAD") == "1"
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "crispy_forms",
    "crispy_forms_gds",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "observatory.web",
    "observatory.audit",
    "observatory.accounts",
    "observatory.vocabularies",
    "observatory.repository",
    "observatory.ingestion",
    "observatory.semantic",
    "observatory.consultation",
    "observatory.coding",
    "observatory.analysis",
    "observatory.operations",
    "observatory.register",
    "observatory.notifications",
    "observatory.quality",
    "observatory.research",
    "observatory.learning",
]

MIDDLEWARE = [
    # First: a request id for every log line (and the tasks it enqueues), and metrics.
    "observatory.operations.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The database away: 503 with a clear page, not a 500 (operations/availability.py).
    "observatory.operations.availability.DatabaseUnavailableMiddleware",
    "observatory.api.JsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their caching: CSP and no-store on the rest.
    "observatory.web.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor sign-in for roles that see confidential material (accounts/twofactor.py).
    "django_otp.middleware.OTPMiddleware",
    "observatory.accounts.twofactor.RequireTwoFactor",
    # Confidential reads are audited where the text is read (audit/reads.py).
    "observatory.audit.reads.CurrentRequest",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "observatory.web.params.ParameterErrorMiddleware",
    # Last: turns a sign-in refused for too many failures into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "observatory.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "observatory.web.context.site",
            ],
        },
    },
]

WSGI_APPLICATION = "observatory.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'observatory.sqlite3'}", conn_max_age=60
    )
}


def _private_sqlite_file(name: str) -> None:
    """Create the embedded database file 0600 before SQLite does (it would use the umask,
    leaving it world-readable), and close an existing one of ours that is open to others.
    SQLite gives its -wal and -shm files the database file's own permissions."""
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    elif path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    _private_sqlite_file(str(DATABASES["default"]["NAME"]))
    # WAL lets the web server and the background worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses any sign-in (form or HTTP Basic) while its username and address are
    # locked out, before a password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is refused for AXES_COOLOFF_TIME, by the form and by
# HTTP Basic alike, even with the right password. Locking the pair (not the username alone)
# means a stranger cannot lock a colleague out from elsewhere; the address is the
# connection's own (REMOTE_ADDR), never a header a client can forge. Unknown usernames are
# counted and locked exactly like real ones, so the lockout says nothing about who exists.
# docs/security.md, "Sign-in throttling and audit".
AXES_FAILURE_LIMIT = int(os.environ.get("OBSERVATORY_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("OBSERVATORY_LOGIN_COOLOFF_MINUTES",
                                                         15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_LOCKOUT_CALLABLE = "observatory.accounts.signin.locked_out"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Password policy (OWASP ASVS 4.0.3 V2.1, NIST SP 800-63B 5.1.1.2): at least 12 characters,
# not like the username or e-mail, not one of 20,000 common passwords, not all digits; no
# rules on character classes and no forced periodic change (both advised against by ASVS
# 2.1.9-2.1.10). The validators run on every password set through the forms and the CLI.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": int(os.environ.get("OBSERVATORY_PASSWORD_MIN_LENGTH", 12))}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end after this much idle time (ASVS 3.3.2, level 2: 30 minutes); each request
# renews the expiry, so only inactivity ends a session. Closing the browser ends it too.
SESSION_COOKIE_AGE = int(os.environ.get("OBSERVATORY_SESSION_IDLE_MINUTES", 30)) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# The TOTP codes' issuer as authenticator apps show it.
OTP_TOTP_ISSUER = "Case Review Observatory"
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = PROJECT_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request if it is missing
# GOV.UK Frontend is installed from npm (package.json) and served from node_modules.
GOVUK_FRONTEND_DIR = PROJECT_DIR / "node_modules" / "govuk-frontend" / "dist"
STATICFILES_DIRS = [("govuk-frontend", GOVUK_FRONTEND_DIR)] if GOVUK_FRONTEND_DIR.exists() else []
WHITENOISE_USE_FINDERS = True
# GOV.UK Frontend's CSS asks for its fonts and images at /assets/; serve them there.
WHITENOISE_ROOT = GOVUK_FRONTEND_DIR / "govuk" if GOVUK_FRONTEND_DIR.exists() else None

# Published documents and confidential ones live in separate folders, never under STATIC or
# a public media URL: every file is served by a view that checks permissions and audits.
# Files 0600 and folders 0700 (repository/storage.py).
_PUBLISHED = {
    "BACKEND": "observatory.repository.storage.PrivateFileSystemStorage",
    "OPTIONS": {"location": DATA_DIR / "documents" / "published"},
}
STORAGES = {
    "default": _PUBLISHED,
    "published": _PUBLISHED,
    "confidential": {
        "BACKEND": "observatory.repository.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "documents" / "confidential"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

OBSERVATORY = {
    # Upload limits: the biggest report we expect is a few hundred pages.
    "MAX_UPLOAD_BYTES": int(os.environ.get("OBSERVATORY_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)),
    "ALLOWED_UPLOAD_TYPES": {
        "application/pdf": ".pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
        "text/html": ".html",
        "text/plain": ".txt",
    },
    "SERVICE_NAME": "Case Review Observatory",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Django's Tasks API (backport): a database-backed worker for `make run`, the immediate
# backend in tests. The national service can swap in another backend here.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "OBSERVATORY_TASK_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
        "QUEUES": ["default", "embeddings"],  # embeddings: semantic app, its own worker
    }
}

# Embed passages (semantic search) after each ingestion. Off by default in tests, whose
# uploads would otherwise each wait for the model; the semantic tests switch it on.
OBSERVATORY_EMBED_ON_INGEST = os.environ.get(
    "OBSERVATORY_EMBED_ON_INGEST", "0" if TESTING else "1") == "1"

# A worker whose heartbeat is older than this has its running job given to another worker
# (operations/recovery.py). Workers beat every quarter of it.
OBSERVATORY_WORKER_LEASE_SECONDS = float(os.environ.get("OBSERVATORY_WORKER_LEASE_SECONDS", 60))

# Logs: one JSON object per line on standard error, with the request id (and task id) that
# caused it (operations/logs.py); LOG_FORMAT=text for people reading a terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "observatory.operations.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "observatory.operations.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"],
                             "formatter": os.environ.get("LOG_FORMAT", "json")}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # One line per request, and the workers' and scheduler's own news, at INFO.
        "observatory.requests": {"level": os.environ.get("REQUEST_LOG_LEVEL", "INFO")
                                 if not TESTING else "WARNING"},
        "observatory.tasks": {"level": "INFO" if not TESTING else "WARNING"},
        "observatory.scheduler": {"level": "INFO"},
        "observatory.recovery": {"level": "INFO"},
    },
}

# E-mail (notifications app: docs/notifications.md). Without an SMTP host, messages are
# written as files under var/mail (what `make run` does); with OBSERVATORY_SMTP_HOST they go
# by SMTP. Tests use Django's in-memory outbox.
if os.environ.get("OBSERVATORY_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["OBSERVATORY_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("OBSERVATORY_SMTP_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("OBSERVATORY_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("OBSERVATORY_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("OBSERVATORY_SMTP_TLS", "1") == "1"
elif TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("OBSERVATORY_MAIL_FROM", "observatory@localhost")
# Links in e-mails are absolute: where people reach the service.
OBSERVATORY_BASE_URL = os.environ.get("OBSERVATORY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
