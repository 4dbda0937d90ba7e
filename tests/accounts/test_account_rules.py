"""Email and name rules live in accounts/services.py; admin's create_user applies the same ones."""

from __future__ import annotations

import pytest

from coordinator.accounts import admin, services
from coordinator.errors import DomainError

PASSWORD = "a long enough passphrase for tests"


@pytest.mark.parametrize("name", ["", "   ", "Bad\x07name", "x" * 201])
def test_the_same_name_rule_for_the_profile_and_for_created_accounts(app, staff, name):
    with pytest.raises(DomainError) as from_services:
        services.validated_name(name)
    with pytest.raises(DomainError) as from_admin:
        admin.create_user(email="new@example.org", name=name, role="staff", password=PASSWORD)
    with pytest.raises(DomainError) as from_profile:
        services.update_profile(staff, name=name)
    assert str(from_services.value) == str(from_admin.value) == str(from_profile.value)
    assert from_admin.value.field == from_profile.value.field == "name"


def test_created_accounts_get_the_normalised_email_and_trimmed_name(app):
    user = admin.create_user(
        email="Someone@EXAMPLE.org", name="  Someone  ", role="staff", password=PASSWORD
    )
    assert user.email == services.validated_email("Someone@EXAMPLE.org")
    assert user.name == "Someone"


def test_an_invalid_email_is_refused_the_same_way(app):
    with pytest.raises(DomainError) as from_admin:
        admin.create_user(email="not an address", name="A", role="staff", password=PASSWORD)
    with pytest.raises(DomainError) as from_services:
        services.validated_email("not an address")
    assert str(from_admin.value) == str(from_services.value)
    assert from_admin.value.field == "email"
