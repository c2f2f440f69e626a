"""The client's address (#12 finding 4) as the configured number of trusted proxies report it: the
rightmost hops are the proxies' own, everything left of them is whatever the client sent."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from filing.ratelimit import client_ip

rf = RequestFactory()


def request(remote="192.0.2.10", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_proxy_the_forwarded_header_is_ignored():
    assert client_ip(request(forwarded="1.2.3.4")) == "192.0.2.10"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_one_trusted_hop_takes_the_address_the_proxy_appended():
    assert client_ip(request(forwarded="1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(request(forwarded="198.51.100.7")) == "198.51.100.7"
    assert client_ip(request(forwarded="")) == "192.0.2.10"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_two_trusted_hops():
    assert client_ip(request(forwarded="6.6.6.6, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_garbage_in_the_header_falls_back_to_the_peer():
    assert client_ip(request(forwarded="not-an-address")) == "192.0.2.10"


@hsettings(max_examples=200, deadline=None)
@given(
    spoofed=st.lists(st.text(max_size=40), max_size=5),
    count=st.integers(min_value=0, max_value=3),
)
def test_whatever_the_client_puts_left_of_the_proxies_it_cannot_choose_its_address(spoofed, count):
    # the proxies append: the client's real address, then each inner proxy's peer
    chain = [s.replace(",", "") for s in spoofed] + ["198.51.100.7", "10.0.0.2", "10.0.0.3"][:count]
    with override_settings(TRUSTED_PROXY_COUNT=count):
        address = client_ip(request(remote="192.0.2.10", forwarded=", ".join(chain) if count else None))
    assert address == ("198.51.100.7" if count else "192.0.2.10")


@pytest.mark.django_db
@pytest.mark.parametrize("public", [True, False])
def test_the_schema_needs_a_signed_in_user_unless_public(client, applicant, settings, public):
    settings.API_SCHEMA_PUBLIC = public
    anonymous = client.get("/api/schema/")
    assert anonymous.status_code in ({200} if public else {401, 403})
    client.force_login(applicant)
    assert client.get("/api/schema/").status_code == 200
