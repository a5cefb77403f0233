"""Email addresses as Symphonia stores them: trimmed and lower-cased, or refused with why.

One rule for every way an address comes in (a staff account made at the shell, a panel CSV,
the "new sign-in link" form), so an address accepted in one place is never refused in
another. Deliberately loose about what a mail server accepts (that is the server's call) and
strict about what would break storage or a message header: spaces, control characters, a
missing or second '@'.
"""

from __future__ import annotations

MAX_EMAIL_CHARS = 320


def email_problem(email: str) -> str | None:
    """Why `email` cannot be used as an address, or None when it can."""
    value = email.strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or not domain.strip(".") or "@" in domain:
        return f"{email!r} is not an email address"
    if len(value) > MAX_EMAIL_CHARS or any(c.isspace() or ord(c) < 32 for c in value):
        return f"must be at most {MAX_EMAIL_CHARS} characters, without spaces or control characters"
    return None


def stored_email(email: str) -> str:
    """The stored form of an address already accepted by :func:`email_problem`."""
    return email.strip().lower()
