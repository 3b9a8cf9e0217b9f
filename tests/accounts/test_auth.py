"""Sign-up, log-in and log-out, throttling, password reset, two-factor authentication, and the interface language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from stores.models import Store
from tests.accounts.factories import totp_code, totp_code_from_secret, totp_device, wrong_code
from tests.conftest import PASSWORD
from tests.stores.factories import UserFactory, client_for, eager_tasks, member_add

pytestmark = pytest.mark.django_db

WRONG_CODE = "That code is not right. Try the newest code from your app."
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"


def _logged_in_as(client: Client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id is not None else None


def _log_in(client: Client, email: str, password: str, **extra: str) -> Any:
    return client.post("/accounts/login/", {"email": email, "password": password, **extra})


# --- Sign-up ----------------------------------------------------------------------------------------------------


def _sign_up(client: Client, email: str, password: str, again: str | None = None) -> Any:
    return client.post("/accounts/signup/", {
        "full_name": "Chen Jing", "email": email, "password1": password, "password2": again or password,
    })


def test_signing_up_creates_the_account_and_logs_in() -> None:
    client = Client()
    response = _sign_up(client, "Chen.Jing@Example.TEST", "Shenzhen-seller-2026")

    assert response.status_code == 302
    assert response["Location"] == "/stores/new/"
    user = User.objects.get(email="chen.jing@example.test")
    assert user.full_name == "Chen Jing"
    assert user.check_password("Shenzhen-seller-2026")
    assert user.language == "en"
    assert _logged_in_as(client) == user.pk


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-1", "This password is too short. It must contain at least 10 characters."),
        ("1234567890123", "This password is entirely numeric."),
        ("password1234", "This password is too common."),
        ("chen.jing.example", "The password is too similar to the e-mail address."),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(password: str, message: str) -> None:
    response = _sign_up(Client(), "chen.jing@example.test", password)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["password1"])
    assert message.encode() in response.content.replace(b"&#x27;", b"'")
    assert not User.objects.filter(email="chen.jing@example.test").exists()


def test_two_different_passwords_are_refused() -> None:
    response = _sign_up(Client(), "chen.jing@example.test", "Shenzhen-seller-2026", again="Shenzhen-seller-2027")
    assert response.context["form"].errors["password2"] == ["The two passwords are not the same."]
    assert not User.objects.filter(email="chen.jing@example.test").exists()


@pytest.mark.parametrize("email", ["owner-a@example.com", "OWNER-A@EXAMPLE.COM", "Owner-A@example.com"])
def test_an_address_already_registered_in_any_case_is_refused(owner_a: User, email: str) -> None:
    client = Client()
    response = _sign_up(client, email, "Shenzhen-seller-2026")

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["An account with this e-mail address already exists."]
    assert User.objects.filter(email__iexact="owner-a@example.com").count() == 1
    owner_a.refresh_from_db()
    assert owner_a.check_password(PASSWORD)
    assert _logged_in_as(client) is None


# --- Log-in and log-out -----------------------------------------------------------------------------------------


def test_logging_in_and_out(owner_a: User) -> None:
    client = Client()

    response = _log_in(client, "Owner-A@Example.com", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert _logged_in_as(client) == owner_a.pk
    assert client.get("/store/test-a/").status_code == 200

    assert client.get("/accounts/logout/").status_code == 405  # a link cannot log anyone out
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert _logged_in_as(client) is None
    assert client.get("/store/test-a/")["Location"].startswith("/accounts/login/")


def test_a_wrong_password_is_refused(owner_a: User) -> None:
    client = Client()
    response = _log_in(client, owner_a.email, "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The e-mail address or the password is not right."]
    assert _logged_in_as(client) is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_log_in_never_sends_people_to_another_site(owner_a: User, target: str) -> None:
    response = _log_in(Client(), owner_a.email, PASSWORD, next=target)
    assert response["Location"] == settings.LOGIN_REDIRECT_URL


def test_log_in_returns_to_the_page_asked_for(owner_a: User) -> None:
    response = _log_in(Client(), owner_a.email, PASSWORD, next="/store/test-a/settings/")
    assert response["Location"] == "/store/test-a/settings/"


def test_after_too_many_failures_even_the_right_password_is_refused(owner_a: User, no_access_a: User) -> None:
    client = Client()
    for attempt in range(settings.LOGIN_THROTTLE_LIMIT):
        # The count is per address, whatever its case.
        email = owner_a.email.upper() if attempt % 2 else owner_a.email
        assert _log_in(client, email, f"wrong-{attempt}").status_code == 200

    response = _log_in(client, owner_a.email, PASSWORD)

    minutes = settings.LOGIN_THROTTLE_WINDOW // 60
    throttled = f"Too many failed attempts. Wait {minutes} minutes and try again, or reset your password."
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [throttled]
    assert throttled.encode() in response.content
    assert _logged_in_as(client) is None
    # Another person behind the same address is not locked out by it.
    assert _log_in(Client(), no_access_a.email, PASSWORD).status_code == 302


def test_a_success_before_the_limit_clears_the_failures(owner_a: User) -> None:
    for attempt in range(settings.LOGIN_THROTTLE_LIMIT - 1):
        _log_in(Client(), owner_a.email, f"wrong-{attempt}")
    assert _log_in(Client(), owner_a.email, PASSWORD).status_code == 302
    for attempt in range(settings.LOGIN_THROTTLE_LIMIT - 1):
        _log_in(Client(), owner_a.email, f"wrong-again-{attempt}")
    assert _log_in(Client(), owner_a.email, PASSWORD).status_code == 302


# --- Password reset ---------------------------------------------------------------------------------------------


def test_a_password_reset_is_emailed_after_commit_and_its_link_works(
    owner_a: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    with eager_tasks(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/accounts/password/reset/", {"email": "OWNER-A@example.com"})
        assert mail.outbox == []  # nothing is sent inside the request's transaction

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == ["owner-a@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^/\s]+/[^/\s]+/)", str(message.body))
    assert link is not None

    form_page = client.get(link[1], follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    new_password = "Brand-new-secret-77"
    done = client.post(set_password_url, {"new_password1": new_password, "new_password2": new_password})

    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/reset/done/"
    owner_a.refresh_from_db()
    assert owner_a.check_password("Brand-new-secret-77")
    assert _log_in(Client(), owner_a.email, PASSWORD).status_code == 200
    assert _log_in(Client(), owner_a.email, "Brand-new-secret-77").status_code == 302
    # The link works once.
    assert b"new_password1" not in client.get(link[1], follow=True).content


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    django_capture_on_commit_callbacks: Any
) -> None:
    with eager_tasks(), django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


# --- Two-factor authentication ----------------------------------------------------------------------------------


def _secret_on(page: Any) -> str:
    match = re.search(rb'data-testid="totp-secret">([A-Z2-7]+)<', page.content)
    assert match is not None
    return match[1].decode()


def test_setting_up_an_authenticator_with_the_shown_key(owner_a: User) -> None:
    client = client_for(owner_a)
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    secret = _secret_on(page)
    assert not TOTPDevice.objects.filter(user=owner_a, confirmed=True).exists()

    response = client.post("/accounts/two-factor/setup/", {"token": totp_code_from_secret(secret)})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    device = TOTPDevice.objects.get(user=owner_a)
    assert device.confirmed
    assert client.session.get("otp_device_id") == device.persistent_id  # this session counts as verified


def test_a_wrong_code_does_not_turn_two_factor_on(owner_a: User) -> None:
    client = client_for(owner_a)
    secret = _secret_on(client.get("/accounts/two-factor/setup/"))
    device = TOTPDevice.objects.get(user=owner_a, confirmed=False)

    response = client.post("/accounts/two-factor/setup/", {"token": wrong_code(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["token"] == [
        "That code is not right. Check the time on your phone and try the newest code."
    ]
    assert _secret_on(response) == secret  # the same key, so the person can simply try again
    assert not TOTPDevice.objects.filter(user=owner_a, confirmed=True).exists()


@pytest.fixture
def person_with_2fa() -> tuple[User, TOTPDevice]:
    user = UserFactory.create(email="careful@example.test")
    return user, totp_device(user)


def test_log_in_asks_for_the_code_and_accepts_the_right_one(
    person_with_2fa: tuple[User, TOTPDevice], store_a: Store
) -> None:
    user, device = person_with_2fa
    member_add(store_a, "admin", user=user)
    client = Client()

    first = _log_in(client, user.email, PASSWORD, next="/store/test-a/")

    assert first.status_code == 302
    assert first["Location"] == "/accounts/login/verify/"
    assert _logged_in_as(client) is None
    assert client.get("/store/test-a/").status_code == 302  # not in yet

    second = client.post("/accounts/login/verify/", {"token": totp_code(device)})

    assert second.status_code == 302
    assert second["Location"] == "/store/test-a/"
    assert _logged_in_as(client) == user.pk
    assert client.session.get("otp_device_id") == device.persistent_id
    assert client.get("/store/test-a/").status_code == 200


def test_log_in_refuses_a_wrong_code(person_with_2fa: tuple[User, TOTPDevice]) -> None:
    user, device = person_with_2fa
    client = Client()
    _log_in(client, user.email, PASSWORD)

    for token in (wrong_code(device), "abcdef"):
        response = client.post("/accounts/login/verify/", {"token": token})
        assert response.status_code == 200
        assert response.context["form"].errors["token"] == [WRONG_CODE]
    assert _logged_in_as(client) is None


def test_the_code_step_cannot_be_reached_without_the_password(person_with_2fa: tuple[User, TOTPDevice]) -> None:
    _, device = person_with_2fa
    client = Client()
    response = client.post("/accounts/login/verify/", {"token": totp_code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert _logged_in_as(client) is None


def test_wrong_codes_count_towards_the_throttle(person_with_2fa: tuple[User, TOTPDevice]) -> None:
    user, device = person_with_2fa
    client = Client()
    _log_in(client, user.email, PASSWORD)
    for _ in range(settings.LOGIN_THROTTLE_LIMIT):
        client.post("/accounts/login/verify/", {"token": wrong_code(device)})

    response = client.post("/accounts/login/verify/", {"token": totp_code(device)})

    minutes = settings.LOGIN_THROTTLE_WINDOW // 60
    assert response.context["form"].non_field_errors() == [
        f"Too many failed attempts. Wait {minutes} minutes and try again."
    ]
    assert _logged_in_as(client) is None


@pytest.fixture
def store_requiring_2fa(store_a: Store) -> Store:
    Store.objects.filter(pk=store_a.pk).update(require_two_factor=True)
    store_a.refresh_from_db()
    return store_a


def test_a_store_requiring_2fa_sends_a_member_without_it_to_set_it_up(store_requiring_2fa: Store) -> None:
    member = member_add(store_requiring_2fa, "admin", email="no-2fa@example.test").user
    client = client_for(member)

    response = client.get("/store/test-a/settings/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/required/?store=test-a"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"This store requires two-factor authentication" in page.content
    assert b'href="/accounts/two-factor/setup/?next=/store/test-a/"' in page.content

    # Setting it up from there leads back into the store.
    secret = _secret_on(client.get("/accounts/two-factor/setup/?next=/store/test-a/"))
    done = client.post("/accounts/two-factor/setup/?next=/store/test-a/",
                       {"token": totp_code_from_secret(secret), "next": "/store/test-a/"})
    assert done["Location"] == "/store/test-a/"
    assert client.get("/store/test-a/settings/").status_code == 200


def test_a_member_with_2fa_enters_a_code_to_enter_a_store_requiring_it(
    store_requiring_2fa: Store, person_with_2fa: tuple[User, TOTPDevice], store_b: Store
) -> None:
    user, device = person_with_2fa
    member_add(store_requiring_2fa, "admin", user=user)
    member_add(store_b, "admin", user=user)
    client = client_for(user)  # logged in without the code, e.g. before the store required it

    assert client.get("/store/test-b/").status_code == 200  # other stores are not affected
    assert client.get("/store/test-a/")["Location"] == "/accounts/two-factor/required/?store=test-a"
    wrong = client.post("/accounts/two-factor/required/?store=test-a", {"token": wrong_code(device)})
    assert wrong.context["form"].errors["token"] == [WRONG_CODE]
    assert client.get("/store/test-a/").status_code == 302


def test_the_right_code_opens_the_store_requiring_2fa(
    store_requiring_2fa: Store, person_with_2fa: tuple[User, TOTPDevice]
) -> None:
    user, device = person_with_2fa
    member_add(store_requiring_2fa, "admin", user=user)
    client = client_for(user)

    response = client.post("/accounts/two-factor/required/?store=test-a", {"token": totp_code(device)})

    assert response.status_code == 302
    assert response["Location"] == "/store/test-a/"
    assert client.get("/store/test-a/").status_code == 200


# --- Language ---------------------------------------------------------------------------------------------------


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_switching_to_chinese_is_remembered_on_the_account(owner_a: User) -> None:
    client = client_for(owner_a)

    response = client.post("/accounts/language/", {"language": "zh-hans", "next": "/stores/"})

    assert response.status_code == 302
    assert response["Location"] == "/stores/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    owner_a.refresh_from_db()
    assert owner_a.language == "zh-hans"

    # A new session on another device, without the cookie, still gets Chinese.
    elsewhere = client_for(owner_a)
    page = elsewhere.get("/store/test-a/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page["Content-Language"] == "zh-hans"
    assert b'<html lang="zh-hans">' in page.content
    # Django's own messages come from Django's catalogue.
    refused = elsewhere.post("/stores/new/", {"name": ""})
    assert "这个字段是必填项。" in refused.content.decode()
    if CATALOGUE.exists():
        assert _zh("Set-up checklist") != "Set-up checklist"
        assert _zh("Set-up checklist") in page.content.decode()
        assert b"Set-up checklist" not in page.content


def test_switching_back_to_english(owner_a: User) -> None:
    User.objects.filter(pk=owner_a.pk).update(language="zh-hans")
    client = client_for(owner_a)
    client.post("/accounts/language/", {"language": "en", "next": "/stores/"})
    owner_a.refresh_from_db()
    assert owner_a.language == "en"
    page = client.get("/store/test-a/")
    assert b'<html lang="en">' in page.content
    assert b"Set-up checklist" in page.content


def test_an_unknown_language_or_a_foreign_next_is_ignored(owner_a: User) -> None:
    client = client_for(owner_a)
    response = client.post("/accounts/language/", {"language": "klingon", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    owner_a.refresh_from_db()
    assert owner_a.language == ""


def test_a_visitor_switches_language_with_the_cookie_only() -> None:
    client = Client()
    response = client.post("/accounts/language/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = client.get("/accounts/login/")
    assert b'<html lang="zh-hans">' in page.content
