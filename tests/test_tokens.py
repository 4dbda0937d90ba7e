"""coordinator/tokens.py: every random token is made, hashed and compared the same way.

Tokens stored before tokens.py (feeds hashed UTF-8, accounts UTF-8 with surrogatepass, both
SHA-256 hex) keep working: for the URL-safe tokens ever handed out the two encodings give
the same bytes, so no stored hash needs rewriting.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest

from coordinator import tokens
from coordinator.accounts import services as account_services
from coordinator.accounts.models import Invitation, Role
from coordinator.db import utcnow
from coordinator.extensions import db
from coordinator.feeds import tokens as feed_services
from coordinator.feeds.models import FeedToken
from coordinator.feeds.permissions import can_manage_feed_token
from tests import factories

URL_SAFE_43 = re.compile(r"^[A-Za-z0-9_-]{43}$")


def test_new_tokens_are_256_bit_url_safe_and_fresh():
    made = {tokens.new_token() for _ in range(50)}
    assert len(made) == 50
    assert all(URL_SAFE_43.match(token) for token in made)


def test_the_hash_is_sha256_in_lowercase_hex():
    assert tokens.hash_token("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    token, stored = tokens.new_token_and_hash()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored and len(stored) == 64


def test_any_text_from_a_url_hashes_without_an_error():
    # A lone surrogate cannot be encoded as strict UTF-8; it must be an unknown token, not a 500.
    assert len(tokens.hash_token("\udcff")) == 64
    assert not tokens.token_matches_hash("\udcff", tokens.hash_token("x"))


def test_compare_and_match():
    token, stored = tokens.new_token_and_hash()
    assert tokens.same_token(token, token)
    assert not tokens.same_token(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not tokens.same_token(token, "")
    assert tokens.token_matches_hash(token, stored)
    assert not tokens.token_matches_hash(tokens.new_token(), stored)


@pytest.mark.parametrize(
    "old_hash",
    [
        lambda raw: hashlib.sha256(raw.encode("utf-8")).hexdigest(),  # feeds before
        lambda raw: hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest(),  # accounts
    ],
    ids=["feeds-encoding", "accounts-encoding"],
)
def test_tokens_stored_before_tokens_py_still_work(app, client, staff, partner, old_hash):
    raw_feed = "secrets-token-urlsafe-made-before-the-upgrade-xyz"
    owner = factories.UserFactory(role="focal_point", partner=partner)
    db.session.add(FeedToken(owner=owner, name="Old laptop", token_hash=old_hash(raw_feed)))
    raw_invite = "another-token-made-before-the-upgrade-abcdefgh"
    db.session.add(
        Invitation(
            email="old-invitee@example.org",
            name="Old Invitee",
            role=Role.FOCAL_POINT,
            partner=partner,
            token_hash=old_hash(raw_invite),
            invited_by=staff,
            expires_dt=utcnow() + timedelta(days=1),
        )
    )
    db.session.commit()
    assert feed_services.find_active_token(raw_feed) is not None
    assert client.get(f"/feeds/{raw_feed}/calendar.ics").status_code == 200
    assert account_services.find_invitation(raw_invite).email == "old-invitee@example.org"


def test_only_the_owner_manages_a_live_feed_token(app, partner):
    owner = factories.UserFactory(role="focal_point", partner=partner)
    other = factories.UserFactory(role="focal_point", partner=partner)
    staff = factories.UserFactory(role="admin")
    token = FeedToken(owner=owner, name="Laptop", token_hash=tokens.hash_token("t"))
    db.session.add(token)
    db.session.flush()
    assert can_manage_feed_token(owner, token)
    assert not can_manage_feed_token(other, token)
    assert not can_manage_feed_token(staff, token)  # private: not even staff
    assert not can_manage_feed_token(None, token)
    assert not can_manage_feed_token(owner, None)
    assert feed_services.owned_token(owner, token.id) is token
    assert feed_services.owned_token(other, token.id) is None
    token.revoked_dt = utcnow()
    assert not can_manage_feed_token(owner, token)
    assert feed_services.owned_token(owner, token.id) is None
