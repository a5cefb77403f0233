"""Password hashing for staff accounts: argon2id through pwdlib, a kept library.

Verification takes the same time whether or not the account exists: an unknown email is
checked against a dummy hash, so timing does not tell an attacker which emails have
accounts (no user enumeration).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from symphonia.services.errors import Problem, RejectedInput

if TYPE_CHECKING:
    from pwdlib import PasswordHash

MIN_LENGTH = 12
MAX_LENGTH = 1024
"""Long enough for any passphrase, short enough that hashing it costs nothing unusual."""


@functools.cache
def _hasher() -> PasswordHash:
    from pwdlib import PasswordHash

    return PasswordHash.recommended()


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash("not a password anyone has: it keeps the timing even")


def check_password(password: str) -> None:
    """Refuse a password too short or too long to use, saying which."""
    reason = None
    if len(password) < MIN_LENGTH:
        reason = f"must be at least {MIN_LENGTH} characters long"
    elif len(password) > MAX_LENGTH:
        reason = f"must be at most {MAX_LENGTH} characters long"
    elif password != password.strip():
        reason = "must not start or end with spaces"
    if reason:
        raise RejectedInput("the password cannot be used", [Problem("account", "password", reason)])


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher().hash(password)


def verify(password: str, stored: str | None) -> tuple[bool, str | None]:
    """(matches, new hash when the stored one should be upgraded). `stored` None (no such
    account, or no password set) still costs one verification, and never matches."""
    if stored is None:
        _hasher().verify(password, _dummy_hash())
        return False, None
    return _hasher().verify_and_update(password, stored)
