"""Apache Superset configuration for finops-pipeline (loaded through SUPERSET_CONFIG_PATH).

Local, single-user, offline: the metadata database is SQLite under FINOPS_SUPERSET_HOME (default
bi/superset/state/), nothing is fetched from or sent to the internet (the Content-Security-Policy
below only allows this server, so the browser never loads Superset's Scarf usage pixel, Google
fonts or map tiles), and the FinOps data is the published BI file, opened read-only.
See docs/bi-tools.md.
"""

import os
import secrets
from pathlib import Path

HOME = Path(
    os.environ.get("FINOPS_SUPERSET_HOME", Path(__file__).resolve().parent / "state")
).resolve()
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SUPERSET_SECRET_KEY, or a random key kept in the state folder (created once)."""
    if os.environ.get("SUPERSET_SECRET_KEY"):
        return os.environ["SUPERSET_SECRET_KEY"]
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(42))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{HOME / 'superset.db'}?check_same_thread=false"
DATA_DIR = str(HOME)

# No telemetry, no third-party requests from the browser: everything from this server only. The
# PyPI build's pages always embed Superset's Scarf usage pixel (SCARF_ANALYTICS only acts when
# the frontend is built); this policy makes the browser block it before it is sent.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
CONTENT_SECURITY_POLICY_WARNING = False

# SQL Lab runs queries in the web process (no Celery, no Redis) and returns up to 100k rows.
SQLLAB_TIMEOUT = 120
SUPERSET_WEBSERVER_TIMEOUT = 120
SQL_MAX_ROW = 100_000
DISPLAY_MAX_ROW = 10_000
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
RATELIMIT_STORAGE_URI = "memory://"
