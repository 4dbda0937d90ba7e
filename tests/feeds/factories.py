"""Factories for the feeds' own models."""

from __future__ import annotations

import factory

from coordinator.feeds.models import FeedToken
from coordinator.tokens import hash_token
from tests.factories import BaseFactory, UserFactory


class FeedTokenFactory(BaseFactory):
    """Build with FeedTokenFactory(raw="...") to know the token; it is stored only hashed."""

    class Meta:
        model = FeedToken
        exclude = ("raw",)

    raw = factory.Sequence(lambda n: f"test-token-{n:04d}-abcdefghijklmnopqrstuvwxyz")
    owner = factory.SubFactory(UserFactory)
    name = "My calendar"
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.raw))
