"""The alert hook: failures are logged, and posted to a webhook when one is configured.

FINOPS_ALERT_WEBHOOK_URL (Slack/Teams-compatible JSON `{"text": ...}`) comes from the
environment only, and is never written to logs in full: it often embeds a secret token.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from urllib.parse import urlsplit

WEBHOOK_ENV = "FINOPS_ALERT_WEBHOOK_URL"


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/***"


def send_alert(
    title: str,
    text: str,
    logger: logging.Logger | None = None,
    timeout_s: float = 10,
    level: int = logging.ERROR,
) -> bool:
    """Log the alert; POST it when a webhook is set. Returns True when a webhook accepted it.

    `level`: ERROR for failures (the default), WARNING for notices such as new cost anomalies.
    """
    log = logger or logging.getLogger("finops.alerts")
    log.log(level, f"ALERT: {title}: {text}")
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return False
    body = json.dumps({"text": f"{title}\n{text}"}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            ok = 200 <= response.status < 300
    except OSError as exc:
        log.error(f"alert webhook {redact_url(url)} failed: {type(exc).__name__}")
        return False
    if not ok:
        log.error(f"alert webhook {redact_url(url)} answered {response.status}")
    return ok
