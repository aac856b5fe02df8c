"""Settings shared by every environment. Values that differ between machines
come from the environment (see README, "Configuration")."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "articles.admin_site.AdminConfig",  # django.contrib.admin, refusing NUL in query strings
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "django.contrib.humanize",
    "django_filters",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "articles",
]

MIDDLEWARE = [
    "newsroom.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.ContentSecurityPolicyMiddleware",
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"
ASGI_APPLICATION = "newsroom.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

# The site's name in page titles, the masthead, feeds and sitemaps.
NEWSROOM_SITE_NAME = os.environ.get("NEWSROOM_SITE_NAME", "Newsroom")


def database_from_environment() -> dict:
    """PostgreSQL (or any engine) when DATABASE_URL is set, else a local SQLite file.

    SQLite runs in WAL mode with a busy timeout and IMMEDIATE transactions, so
    readers keep being served while an import writes, and two writers queue
    instead of failing with "database is locked".
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    configured = os.environ.get("SQLITE_PATH")
    path = Path(configured or BASE_DIR / "var" / "db.sqlite3")
    if not configured:
        # var/ is not in the repository: a fresh clone's first `manage.py migrate` must work.
        path.parent.mkdir(exist_ok=True)
    elif not path.parent.is_dir():
        raise ImproperlyConfigured(f"SQLITE_PATH: the folder {path.parent} does not exist; create it first.")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
        },
    }


DATABASES = {"default": database_from_environment()}


def cache_from_environment(redis_url: str | None) -> dict:
    """Redis when REDIS_URL is set (shared by every app server), else this process's memory."""
    if redis_url:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "newsroom",
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newsroom"}


REDIS_URL = os.environ.get("REDIS_URL")
CACHES = {"default": cache_from_environment(REDIS_URL)}
# Where the page cache's content version lives (articles/caching.py): it must be shared by every process,
# so in Redis when the cache is, else in the database.
NEWSROOM_CONTENT_VERSION_STORE = "cache" if REDIS_URL else "database"
# Sessions live in the database, read through the cache when it is shared (Redis). Not through a cache of
# each process's own: a sign-out would end the session in that process only, the others would keep it cached.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if REDIS_URL else "db")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Uploaded images are served by newsroom.views.media_file (drafts' images to staff only), under
# runserver and gunicorn alike; NEWSROOM_SERVE_MEDIA=false when a web server serves MEDIA_ROOT itself.
NEWSROOM_SERVE_MEDIA = env_bool("NEWSROOM_SERVE_MEDIA", True)
MEDIA_MAX_AGE = 60 * 60 * 24  # browsers keep an image a day; a replaced upload gets a new name

# Files through Django's STORAGES. "pictures" holds the local copies of images
# (feed images fetched, uploads) and their renditions: content-addressed names,
# written atomically, served under /pictures/ by the app (or a proxy) with
# far-future cache headers. NEWSROOM_PICTURES_S3_BUCKET puts them in an
# S3-compatible bucket through django-storages instead (README, "Pictures"; tests/test_pictures_s3.py).
PICTURES_ROOT = Path(os.environ.get("NEWSROOM_PICTURES_ROOT", MEDIA_ROOT / "pictures"))
PICTURES_URL = "/pictures/"


def pictures_storage_from_environment(environ, root: Path) -> dict:
    """STORAGES["pictures"]: files under root, or an S3-compatible bucket (django-storages) when set.

    NEWSROOM_PICTURES_S3_BUCKET: the bucket's name. NEWSROOM_PICTURES_S3_ENDPOINT: the server's URL when
    it is not AWS (MinIO, R2, Ceph...). NEWSROOM_PICTURES_S3_REGION: the bucket's region.
    NEWSROOM_PICTURES_S3_DOMAIN: the domain pages link to, for a CDN in front of the bucket. The
    credentials are boto3's usual ones (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role).
    """
    bucket = environ.get("NEWSROOM_PICTURES_S3_BUCKET")
    if not bucket:
        return {
            "BACKEND": "articles.pictures.storage.AtomicFileSystemStorage",
            "OPTIONS": {"location": root, "base_url": PICTURES_URL},
        }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": environ.get("NEWSROOM_PICTURES_S3_ENDPOINT") or None,
            "region_name": environ.get("NEWSROOM_PICTURES_S3_REGION") or None,
            "custom_domain": environ.get("NEWSROOM_PICTURES_S3_DOMAIN") or None,
            "querystring_auth": False,  # public renditions: plain URLs, cacheable by anyone
            "file_overwrite": True,  # content-addressed names: the same name is the same bytes
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "pictures": pictures_storage_from_environment(os.environ, PICTURES_ROOT),
}

# Background jobs (django-tasks, the backport of Django 6's django.tasks, with
# django-tasks-db's database backend): the queue is a table, so SQLite needs no
# broker and PostgreSQL takes several workers (`manage.py pictures_worker`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "pictures", "notifications"]}}

# Fetching feed images (articles/pictures/fetch.py): a hostile-input boundary.
PICTURES_FETCH = {
    "CONNECT_TIMEOUT": 5.0,  # seconds to open the connection
    "READ_TIMEOUT": 10.0,  # seconds any one read may wait
    "TOTAL_SECONDS": 30.0,  # the whole download, so a slow drip cannot hold a worker
    "MAX_BYTES": 15 * 1024 * 1024,  # read as a stream; a larger body is refused
    "MAX_PIXELS": 40_000_000,  # width x height, checked before decoding (decompression bombs)
    "MAX_REDIRECTS": 3,
    "MAX_ATTEMPTS": 4,  # fetches of one image before its failure is final
    "BACKOFF_SECONDS": 60,  # the wait before retry n is BACKOFF_SECONDS * 4**(n-1)
    # Addresses a fetch may reach although they are private or loopback: empty
    # everywhere but in the test settings (a local HTTP server).
    "ALLOWED_ADDRESSES": [],
}
# Widths of the renditions made of every picture (never wider than the original). Besides the round
# ones, the widths phones ask for: a card's thumbnail at 2-3x (480), a full-width image on a 360-430 px
# phone at 2x (800) and at 3x (1080); without them a phone takes the next width up (up to 1.7x the bytes).
PICTURES_WIDTHS = [320, 480, 640, 800, 1080, 1280, 1920]
# A picture made ready shows on cached pages within this many seconds: the pictures made ready in
# one such window make the page cache's version change once (articles.caching.content_changes_within).
PICTURES_READY_STALE_SECONDS = int(os.environ.get("NEWSROOM_PICTURES_READY_STALE_SECONDS", 30))

# Mail (notifications, issue 15; README "Notifications"): Django's mail framework, configured from the
# environment. The SMTP backend by default; `make run` (local settings) prints mail to the console instead.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")  # the SMTP server
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")  # empty: no SMTP login
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")  # STARTTLS, usually on port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")  # TLS from the start, usually on port 465
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "20"))  # seconds a send may wait on the server
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Newsroom <newsroom@localhost>")
# Notifications (articles/notifications.py): mail delivery's retries and the review-waiting check.
NEWSROOM_NOTIFICATIONS = {
    # Deliveries of one mail before it is given up (the inbox keeps it); retry n waits BACKOFF * 4**(n-1) seconds.
    "MAX_ATTEMPTS": int(os.environ.get("NEWSROOM_NOTIFY_MAX_ATTEMPTS", "5")),
    "BACKOFF_SECONDS": float(os.environ.get("NEWSROOM_NOTIFY_BACKOFF_SECONDS", "60")),
    # A story in review longer than this tells the editors (`manage.py notify_waiting`, run by a timer).
    "REVIEW_WAITING_HOURS": float(os.environ.get("NEWSROOM_REVIEW_WAITING_HOURS", "4")),
    # The admin's address as mail links to it, e.g. https://desk.example.org (empty: paths only).
    "ADMIN_BASE_URL": os.environ.get("NEWSROOM_ADMIN_BASE_URL", "").rstrip("/"),
}

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"  # after signing in with no (or an unsafe) "next"

# Login throttling (django-axes): five wrong passwords for one username from one
# address lock that pair out for 15 minutes. Keyed on the pair, not on the
# username alone, so a stranger cannot lock an editor out from elsewhere.
# Attempts are stored in the database, shared by every app server.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Reverse proxies in front of the app servers (NEWSROOM_TRUSTED_PROXIES, default 0):
# how many addresses of X-Forwarded-For to trust, from the right. See newsroom/client_ip.py.
NEWSROOM_TRUSTED_PROXIES = int(os.environ.get("NEWSROOM_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "newsroom.client_ip.client_ip"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_MESSAGE = (
    "Too many failed sign-in attempts for this username from your address. "
    "Sign-in is locked for 15 minutes: try again later, or ask an administrator to unlock it."
)

# Content-Security-Policy (django-csp): no inline scripts or styles anywhere on
# the public site. Images come from the sources' own https servers; the only
# frames are the allow-listed video players (articles.rendering.VIDEO_EMBED_HOSTS,
# always rebuilt as https://www.<host>/embed/...). The admin gets the same
# policy with inline styles allowed (Django's own admin templates carry some):
# see newsroom.middleware.ContentSecurityPolicyMiddleware.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["https://www.youtube.com", "https://www.youtube-nocookie.com"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

# Importer limits; each can be overridden per run on the command line.
NEWSROOM_IMPORT_MAX_BYTES = int(os.environ.get("NEWSROOM_IMPORT_MAX_BYTES", 1024 * 1024))

# Revisions kept per article by `manage.py prune_revisions` (0: all; published ones are always kept).
NEWSROOM_REVISIONS_KEEP = int(os.environ.get("NEWSROOM_REVISIONS_KEEP", "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "newsroom.logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "newsroom.logging.StderrHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        # One line per request and one per import run, whatever the root level.
        "newsroom.request": {"level": os.environ.get("NEWSROOM_REQUEST_LOG_LEVEL", "INFO")},
        "newsroom.import": {"level": "INFO"},
    },
}
