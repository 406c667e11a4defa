"""Retry-After as a number of seconds to wait: dfgen's fetch and the generated client read it alike."""

import datetime
import email.utils


def retry_after(value: str | None, sent: str | None) -> float | None:
    """Retry-After in seconds: a number, or an HTTP date less the response's own Date.

    Both dates are the server's, so clock skew cannot turn the wait into none or a long one.
    A date without a Date header to measure it against, and nonsense, are None (the caller's
    own backoff applies); a date in the past means now.
    """
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        later, now = _http_date(value), _http_date(sent)
        if later is None or now is None:
            return None
        # The server's clock on both sides: skew cannot turn it into no wait.
        return max(0.0, (later - now).total_seconds())
    return seconds if 0 <= seconds < float("inf") else None


def _http_date(value: str | None) -> datetime.datetime | None:
    """An HTTP date (RFC 9110: IMF-fixdate, or the obsolete RFC 850 and asctime forms), else None."""
    if value is None:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        # The obsolete forms carry no zone: HTTP dates are always GMT.
        return moment.replace(tzinfo=datetime.timezone.utc)
    return moment
