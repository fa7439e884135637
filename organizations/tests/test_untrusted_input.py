"""Untrusted strings in tokens, keys and organization names never cause a server error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Session
from organizations import rls
from organizations.models import Membership, Organization
from plinto.testing.fixtures import STRONG_PASSWORD, ApiClient

_FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_text = st.text(max_size=120)
# Header values must be latin-1 and single-line for the test client to send them at all.
_header_text = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=150)


@_FUZZ
@given(token=_text)
def test_invitation_register_rejects_any_token(db, token):
    response = ApiClient().post("/api/v1/invitations/register", {"token": token, "password": STRONG_PASSWORD})

    assert response.status_code in (400, 429), response.content


@_FUZZ
@given(token=_text)
def test_export_download_rejects_any_token(db, token):
    response = ApiClient().get("/api/v1/audit-exports/download", {"token": token})

    assert response.status_code == 404


@_FUZZ
@given(key=_header_text)
def test_api_key_header_rejects_any_value(db, key):
    response = ApiClient().get("/api/v1/organizations/00000000-0000-0000-0000-000000000000/members", HTTP_X_API_KEY=key)

    assert response.status_code == 401


@_FUZZ
@given(reference=_text)
def test_login_organization_field_never_fails(make_org, reference):
    # Examples share the test's database transaction, so the organization is made once.
    org = Organization.objects.filter(slug="fuzz").first() or make_org(slug="fuzz")
    with rls.bypass():
        owner = Membership.objects.get(organization=org, role="owner").user
    sessions_before = Session.objects.count()

    response = ApiClient().post(
        "/api/v1/auth/login", {"email": owner.email, "password": STRONG_PASSWORD, "organization": reference}
    )

    assert response.status_code in (200, 400, 403, 429), response.content
    if response.status_code != 200:
        assert Session.objects.count() == sessions_before
