"""SMS backends and the sending task: the Twilio-shaped HTTP request, retries, console and file output."""

import base64
import socket

import pytest
from django.core.exceptions import ImproperlyConfigured
from structlog.testing import capture_logs

from accounts.mfa.models import SMSDevice
from accounts.mfa.sms import SMSMessage, SMSRejectedError, TransientSMSError, get_backend
from accounts.mfa.sms.http import HTTPBackend
from accounts.mfa.tasks import send_sms_code_task, sms_retry_delay

from .conftest import sms_code_in

NUMBER = "+14155550123"


@pytest.fixture
def pending_device(user):
    return SMSDevice.objects.create(user=user, name="SMS", confirmed=False, phone_number=NUMBER)


def _send_enrollment_code(device):
    return send_sms_code_task.delay("enrollment", str(device.pk)).get()


def _events(logs, name):
    return [entry for entry in logs if entry["event"] == name]


def test_http_request_has_twilio_shape(sms_provider, pending_device):
    assert _send_enrollment_code(pending_device) is True

    [request] = sms_provider.requests
    assert request["path"] == "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"
    expected_auth = base64.b64encode(b"AC0123456789abcdef:test-auth-token").decode()
    assert request["headers"]["Authorization"] == f"Basic {expected_auth}"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert set(request["form"]) == {"To", "From", "Body"}
    assert request["form"]["To"] == NUMBER
    assert request["form"]["From"] == "+15005550006"
    assert "confirm this phone number" in request["form"]["Body"]


def test_http_backend_end_to_end(api, user, logged_in, mfa_login, sms_provider):
    client = logged_in(user)
    assert client.post("/api/v1/mfa/sms", {"phone_number": NUMBER}).status_code == 202
    confirmed = client.post("/api/v1/mfa/sms/confirm", {"code": sms_code_in(sms_provider.bodies()[-1])})
    assert confirmed.status_code == 200, confirmed.content
    token = mfa_login(user)["mfa_token"]

    assert api.post("/api/v1/auth/mfa/challenge", {"mfa_token": token, "method": "sms"}).status_code == 202
    code = sms_code_in(sms_provider.bodies()[-1])
    response = api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "sms", "code": code})

    assert response.status_code == 200, response.content
    assert len(sms_provider.requests) == 2


@pytest.mark.parametrize("failure", [500, 429, "hang"])
def test_transient_failure_is_retried(sms_provider, pending_device, logged_in, user, failure):
    sms_provider.plan(failure)

    with capture_logs() as logs:
        assert _send_enrollment_code(pending_device) is True

    assert len(sms_provider.requests) == 2
    assert len(_events(logs, "sms_send_retrying")) == 1
    assert len(_events(logs, "sms_code_sent")) == 1
    # Each attempt makes a new code, so only the last message's code confirms the number.
    last_code = sms_code_in(sms_provider.bodies()[-1])
    response = logged_in(user).post("/api/v1/mfa/sms/confirm", {"code": last_code})
    assert response.status_code == 200, response.content


def test_rejection_is_not_retried(sms_provider, pending_device):
    sms_provider.plan(400)

    with capture_logs() as logs:
        assert _send_enrollment_code(pending_device) is False

    assert len(sms_provider.requests) == 1
    [rejected] = _events(logs, "sms_send_rejected")
    assert "400" in rejected["error"]
    assert "21211" in rejected["error"]
    assert NUMBER not in repr(logs)


def test_retries_stop_at_the_cap(sms_provider, pending_device, settings):
    settings.SMS_SEND_MAX_RETRIES = 2
    sms_provider.plan(500, 500, 500, 500)

    with capture_logs() as logs:
        assert _send_enrollment_code(pending_device) is False

    assert len(sms_provider.requests) == 3
    assert len(_events(logs, "sms_send_retrying")) == 2
    assert len(_events(logs, "sms_send_failed")) == 1


def test_retry_delay_grows_and_is_capped():
    assert [sms_retry_delay(n) for n in range(6)] == [5, 10, 20, 40, 60, 60]
    assert sms_retry_delay(0, retry_after=7) == 7
    assert sms_retry_delay(0, retry_after=3600) == 60


def test_unreachable_provider_is_transient(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.SMS_HTTP_BASE_URL = f"http://127.0.0.1:{closed_port}"
    settings.SMS_HTTP_ACCOUNT_SID = "AC1"
    settings.SMS_HTTP_AUTH_TOKEN = "token"
    settings.SMS_FROM_NUMBER = "+15005550006"

    with pytest.raises(TransientSMSError):
        HTTPBackend().send(SMSMessage(to=NUMBER, body="hello"))


@pytest.mark.parametrize(("status", "error"), [(500, TransientSMSError), (429, TransientSMSError)])
def test_http_status_maps_to_error(sms_provider, status, error):
    sms_provider.plan(status)

    with pytest.raises(error) as raised:
        HTTPBackend().send(SMSMessage(to=NUMBER, body="hello"))

    if status == 429:
        assert raised.value.retry_after == 1


def test_http_rejection_raises_rejected(sms_provider):
    sms_provider.plan(400)

    with pytest.raises(SMSRejectedError):
        HTTPBackend().send(SMSMessage(to=NUMBER, body="hello"))


def test_http_backend_needs_its_settings(settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_BASE_URL = ""
    settings.SMS_HTTP_AUTH_TOKEN = ""

    with pytest.raises(ImproperlyConfigured) as raised:
        get_backend()

    assert "SMS_HTTP_BASE_URL" in str(raised.value)
    assert "SMS_HTTP_AUTH_TOKEN" in str(raised.value)


def test_unknown_backend_name_is_a_configuration_error(settings):
    settings.SMS_BACKEND = "carrier-pigeon"

    with pytest.raises(ImproperlyConfigured) as raised:
        get_backend()

    assert "console, file, http" in str(raised.value)


def test_console_backend_logs_last_digits_only(settings):
    settings.SMS_BACKEND = "console"

    with capture_logs() as logs:
        get_backend().send(SMSMessage(to=NUMBER, body="Your login code is 482913."))

    [entry] = _events(logs, "sms_sent_to_console")
    assert entry["to"] == "*********23"
    assert "482913" not in repr(logs)
    assert "4155550123" not in repr(logs)


def test_file_backend_writes_one_file_per_message(sms_outbox):
    backend = get_backend()

    backend.send(SMSMessage(to=NUMBER, body="first"))
    backend.send(SMSMessage(to=NUMBER, body="second"))

    assert [m["body"] for m in sms_outbox.messages()] == ["first", "second"]
    assert len(list(sms_outbox.folder.glob("*.json"))) == 2


def test_task_skips_finished_enrollment(sms_outbox, pending_device):
    SMSDevice.objects.filter(pk=pending_device.pk).update(confirmed=True)

    assert _send_enrollment_code(pending_device) is False

    assert sms_outbox.messages() == []


def test_enroll_request_survives_provider_outage(user, logged_in, sms_provider, settings):
    settings.SMS_SEND_MAX_RETRIES = 1
    sms_provider.plan(500, 503)

    with capture_logs() as logs:
        response = logged_in(user).post("/api/v1/mfa/sms", {"phone_number": NUMBER})

    assert response.status_code == 202
    assert len(sms_provider.requests) == 2
    assert len(_events(logs, "sms_send_failed")) == 1
    assert SMSDevice.objects.get(user=user).confirmed is False
