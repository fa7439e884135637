"""Untrusted input to the second login step never causes a server error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Session

_values = st.one_of(st.none(), st.integers(), st.text(max_size=200), st.lists(st.text(max_size=5), max_size=3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.fixed_dictionaries({}, optional={"mfa_token": _values, "method": _values, "code": _values}))
def test_verify_rejects_any_payload_cleanly(api, user, payload):
    response = api.post("/api/v1/auth/mfa/verify", payload)

    assert response.status_code in (400, 401, 429)
    assert "code" in response.json()
    assert Session.objects.count() == 0
