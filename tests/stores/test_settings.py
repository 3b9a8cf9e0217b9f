"""Store settings: profile and logo, marketplaces, tax registrations, the two-factor requirement, suspension."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils.functional import empty
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from accounts.models import User
from stores import services
from stores.models import Marketplace, Membership, Role, Store, TaxRegistration
from stores.permissions import NO_ACCESS, Level
from tests.accounts.factories import totp_device
from tests.stores.factories import RoleFactory, activities, client_for, member_add, picture

pytestmark = pytest.mark.django_db

SETTINGS = "/store/test-a/settings/"
# A browser always sends the CSRF token, so even a form with every box unticked arrives as a bound form.
CSRF = {"csrfmiddlewaretoken": "sent-by-every-browser-form"}

def _forget_cached_media_root() -> None:
    # A tenant-aware storage (django-tenants) caches MEDIA_ROOT/<schema> and ignores later MEDIA_ROOT changes.
    storage = Store._meta.get_field("logo").storage
    target = getattr(storage, "_wrapped", storage)
    if target is not empty:
        target.__dict__.pop("relative_media_root", None)


@pytest.fixture
def media_root(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "media"
    with override_settings(MEDIA_ROOT=str(root)):
        _forget_cached_media_root()
        yield root
    _forget_cached_media_root()


def _files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _profile(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Store test-a", "description": "", "contact_email": "", "address_line1": "", "address_line2": "",
        "city": "", "region": "", "postal_code": "", "address_country": "",
    }
    data.update(overrides)
    return data


# --- Profile and logo -------------------------------------------------------------------------------------------


def test_saving_the_profile_stores_the_fields_and_records_the_difference(
    client_a: Client, store_a: Store, owner_a: User
) -> None:
    response = client_a.post(SETTINGS, _profile(
        name="Pearl River Gadgets", contact_email="hello@pearl.example", address_line1="8 Keyuan Road",
        city="Shenzhen", address_country="CN",
    ))

    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    store_a.refresh_from_db()
    assert (store_a.name, store_a.contact_email, store_a.address_line1, store_a.city, store_a.address_country) == (
        "Pearl River Gadgets", "hello@pearl.example", "8 Keyuan Road", "Shenzhen", "CN",
    )
    [entry] = activities(store_a, "store.profile_changed")
    assert entry.actor_email == owner_a.email
    assert entry.changes == {
        "name": ["Store test-a", "Pearl River Gadgets"],
        "contact_email": ["", "hello@pearl.example"],
        "address_line1": ["", "8 Keyuan Road"],
        "city": ["", "Shenzhen"],
        "address_country": ["", "CN"],
    }
    assert "The store profile is saved." in [str(m) for m in client_a.get(SETTINGS).context["messages"]]


def test_saving_an_unchanged_profile_records_nothing(client_a: Client, store_a: Store) -> None:
    assert client_a.post(SETTINGS, _profile()).status_code == 302
    assert not activities(store_a, "store.profile_changed")


def test_an_invalid_profile_is_refused_and_nothing_changes(client_a: Client, store_a: Store) -> None:
    response = client_a.post(SETTINGS, _profile(name="", contact_email="not-an-address", address_country="XX"))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["This field is required."]
    assert errors["contact_email"] == ["Enter a valid email address."]
    assert errors["address_country"][0].startswith("Select a valid choice.")
    store_a.refresh_from_db()
    assert (store_a.name, store_a.contact_email) == ("Store test-a", "")
    assert not activities(store_a, "store.profile_changed")


@pytest.mark.parametrize(("image_format", "filename"), [("PNG", "logo.png"), ("JPEG", "logo.jpg"),
                                                         ("WEBP", "logo.webp")])
def test_a_valid_logo_is_stored_in_the_stores_own_media_folder(
    client_a: Client, store_a: Store, media_root: Path, image_format: str, filename: str
) -> None:
    upload = SimpleUploadedFile(filename, picture(300, 120, image_format), content_type="image/png")

    response = client_a.post(SETTINGS, {**_profile(), "logo": upload})

    assert response.status_code == 302
    store_a.refresh_from_db()
    [stored] = _files_under(media_root)
    assert stored.relative_to(media_root).parts[0] == "st_test_a"  # the store's own folder
    assert stored.suffix == Path(filename).suffix
    assert store_a.logo.path == str(stored)
    assert stored.read_bytes() == picture(300, 120, image_format)
    [entry] = activities(store_a, "store.profile_changed")
    assert entry.changes == {"logo": ["", store_a.logo.name]}


def test_removing_the_logo_clears_it(client_a: Client, store_a: Store, media_root: Path) -> None:
    client_a.post(SETTINGS, {**_profile(), "logo": SimpleUploadedFile("logo.png", picture(100, 100))})
    store_a.refresh_from_db()
    name = store_a.logo.name

    assert client_a.post(SETTINGS, {**_profile(), "logo_clear": "on"}).status_code == 302

    store_a.refresh_from_db()
    assert not store_a.logo
    assert [a.changes for a in activities(store_a, "store.profile_changed")][-1] == {"logo": [name, ""]}


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("logo.png", b"this is a text file, not a picture", "This file is not a picture we can read."),
        ("logo.png", picture(200, 200)[:120], "This file is not a picture we can read."),
        ("logo.png", picture(1000, 1000, noise=True), "The logo is larger than 2 MB."),
        ("logo.png", picture(32, 32), "The logo is 32×32 pixels; each side must be between 64 and 4000."),
        ("logo.png", picture(200, 63), "The logo is 200×63 pixels; each side must be between 64 and 4000."),
        ("logo.png", picture(4001, 64), "The logo is 4001×64 pixels; each side must be between 64 and 4000."),
        ("logo.gif", picture(200, 200, "GIF"), "Upload a JPEG, PNG or WebP picture."),
        ("logo.bmp", picture(200, 200, "BMP"), "Upload a JPEG, PNG or WebP picture."),
    ],
    ids=["text", "truncated", "over-2MB", "too-small", "too-narrow", "too-wide", "gif", "bmp"],
)
def test_an_unsuitable_logo_is_refused_with_a_message_and_nothing_is_saved(
    client_a: Client, store_a: Store, media_root: Path, filename: str, content: bytes, message: str
) -> None:
    upload = SimpleUploadedFile(filename, content, content_type="image/png")

    response = client_a.post(SETTINGS, {**_profile(name="Renamed while uploading"), "logo": upload})

    assert response.status_code == 200
    assert response.context["form"].errors["logo"] == [message]
    assert message.encode() in response.content
    store_a.refresh_from_db()
    assert not store_a.logo
    assert store_a.name == "Store test-a"
    assert _files_under(media_root) == []
    assert not activities(store_a, "store.profile_changed")


# --- Marketplaces -----------------------------------------------------------------------------------------------


def _marketplace_ids(*codes: str) -> list[int]:
    return list(Marketplace.objects.filter(code__in=codes).values_list("pk", flat=True))


def test_changing_marketplaces_saves_them_and_records_before_and_after(
    client_a: Client, store_a: Store, owner_a: User
) -> None:
    response = client_a.post(f"{SETTINGS}marketplaces/", {"marketplaces": _marketplace_ids("US", "SG")})

    assert response.status_code == 302
    assert sorted(store_a.marketplaces.values_list("code", flat=True)) == ["SG", "US"]
    [entry] = activities(store_a, "store.marketplaces_changed")
    assert entry.actor_email == owner_a.email
    assert entry.changes == {"marketplaces": [["DE", "JP", "UK", "US"], ["SG", "US"]]}

    # The same choice again changes nothing and records nothing.
    client_a.post(f"{SETTINGS}marketplaces/", {"marketplaces": _marketplace_ids("US", "SG")})
    assert len(activities(store_a, "store.marketplaces_changed")) == 1


def test_no_marketplace_or_a_closed_one_is_refused(client_a: Client, store_a: Store) -> None:
    Marketplace.objects.filter(code="MY").update(is_active=False)

    empty_choice = client_a.post(f"{SETTINGS}marketplaces/", {"marketplaces": [], **CSRF})
    closed = client_a.post(f"{SETTINGS}marketplaces/", {"marketplaces": _marketplace_ids("US", "MY")})

    assert empty_choice.context["form"].errors["marketplaces"] == ["This field is required."]
    assert closed.context["form"].errors["marketplaces"][0].startswith("Select a valid choice.")
    assert sorted(store_a.marketplaces.values_list("code", flat=True)) == ["DE", "JP", "UK", "US"]
    assert not activities(store_a, "store.marketplaces_changed")


def test_changing_marketplaces_needs_the_manage_level(store_a: Store) -> None:
    editor = member_add(store_a, RoleFactory.create(store=store_a, levels={**NO_ACCESS, "settings": Level.EDIT})).user
    response = client_for(editor).post(f"{SETTINGS}marketplaces/", {"marketplaces": _marketplace_ids("US")})
    assert response.status_code == 403
    assert store_a.marketplaces.count() == 4


# --- Tax registrations ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "kind", "typed", "stored"),
    [
        ("DE", "vat", "de 123 456 789", "DE123456789"),
        ("FR", "vat", "FR 40 303 265 045", "FR40303265045"),
        ("NL", "vat", "nl123456789b01", "NL123456789B01"),
        ("AT", "vat", "ATU12345678", "ATU12345678"),
        ("GR", "vat", "094014201", "EL094014201"),
        ("GB", "vat", "GB 980 7806 84", "GB980780684"),
        ("GB", "vat", "980780684", "GB980780684"),
        ("AU", "abn", "51 824 753 556", "51824753556"),
        ("SG", "gst", "m2-1234567-k", "M21234567K"),
        ("SG", "gst", "201912345K", "201912345K"),
        ("CN", "uscc", "91350100m000100y43", "91350100M000100Y43"),
        ("US", "other", " 12-3456789 ", "123456789"),
    ],
)
def test_a_valid_tax_number_is_accepted_and_normalised(
    client_a: Client, store_a: Store, owner_a: User, country: str, kind: str, typed: str, stored: str
) -> None:
    response = client_a.post(f"{SETTINGS}tax/", {"country": country, "kind": kind, "number": typed})

    assert response.status_code == 302
    registration = TaxRegistration.objects.get(store=store_a)
    assert (registration.country, registration.kind, registration.number) == (country, kind, stored)
    [entry] = activities(store_a, "tax_registration.added")
    assert (entry.actor_email, entry.changes) == (owner_a.email, {"number": [None, stored]})
    assert stored.encode() in client_a.get(f"{SETTINGS}tax/").content


@pytest.mark.parametrize(
    ("country", "kind", "typed", "message"),
    [
        ("DE", "vat", "DE12345678", "This is not a valid EU VAT number."),
        ("NL", "vat", "NL123456789", "This is not a valid EU VAT number."),
        ("GB", "vat", "GB 980 7806 85", "This is not a valid UK VAT number."),
        ("GB", "vat", "GB98078068", "This is not a valid UK VAT number."),
        ("AU", "abn", "51 824 753 557", "This is not a valid Australian Business Number."),
        ("US", "abn", "51 824 753 556", "This is not a valid Australian Business Number."),
        ("SG", "gst", "12345", "This is not a valid Singapore GST number."),
        ("CN", "uscc", "91350100M000100Y44", "This is not a valid unified social credit code."),
        ("CN", "uscc", "91350100M000100Y4", "This is not a valid unified social credit code."),
        ("CN", "vat", "-- / --", "Enter the number."),
        ("CN", "other", "", "This field is required."),
    ],
)
def test_an_invalid_tax_number_is_refused_with_the_message_shown(
    client_a: Client, store_a: Store, country: str, kind: str, typed: str, message: str
) -> None:
    response = client_a.post(f"{SETTINGS}tax/", {"country": country, "kind": kind, "number": typed})

    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [message]
    assert message.encode() in response.content
    assert not TaxRegistration.objects.filter(store=store_a).exists()
    assert not activities(store_a, "tax_registration.added")


def test_a_second_number_of_the_same_type_and_country_is_refused(client_a: Client, store_a: Store) -> None:
    client_a.post(f"{SETTINGS}tax/", {"country": "DE", "kind": "vat", "number": "DE123456789"})

    again = client_a.post(f"{SETTINGS}tax/", {"country": "DE", "kind": "vat", "number": "DE987654321"})
    same = client_a.post(f"{SETTINGS}tax/", {"country": "DE", "kind": "vat", "number": "DE123456789"})
    other_kind = client_a.post(f"{SETTINGS}tax/", {"country": "DE", "kind": "other", "number": "12/345/67890"})

    duplicate = "This store already has a number of this type for this country."
    assert again.context["form"].errors["kind"] == [duplicate]
    assert same.context["form"].errors["kind"] == [duplicate]
    assert other_kind.status_code == 302
    assert sorted(TaxRegistration.objects.filter(store=store_a).values_list("kind", "number")) == [
        ("other", "1234567890"), ("vat", "DE123456789"),
    ]
    assert len(activities(store_a, "tax_registration.added")) == 2


def test_removing_a_tax_number_records_what_it_was(client_a: Client, store_a: Store, store_b: Store) -> None:
    client_a.post(f"{SETTINGS}tax/", {"country": "DE", "kind": "vat", "number": "DE123456789"})
    registration = TaxRegistration.objects.get(store=store_a)
    foreign = TaxRegistration.objects.create(store=store_b, country="SG", kind="gst", number="M21234567K")

    assert client_a.post(f"{SETTINGS}tax/{foreign.pk}/remove/").status_code == 404
    assert client_a.post(f"{SETTINGS}tax/{registration.pk}/remove/").status_code == 302

    assert not TaxRegistration.objects.filter(pk=registration.pk).exists()
    assert TaxRegistration.objects.filter(pk=foreign.pk).exists()
    [entry] = activities(store_a, "tax_registration.removed")
    assert entry.changes == {"number": ["DE123456789", None]}


# --- Two-factor requirement -------------------------------------------------------------------------------------


def test_an_owner_without_two_factor_cannot_require_it(client_a: Client, store_a: Store) -> None:
    response = client_a.post(f"{SETTINGS}security/", {"require_two_factor": "on"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Turn on two-factor authentication for yourself first."]
    store_a.refresh_from_db()
    assert store_a.require_two_factor is False
    assert not activities(store_a, "store.two_factor_requirement_changed")


def test_an_owner_with_two_factor_can_require_it_and_lift_it(
    client_a: Client, store_a: Store, owner_a: User
) -> None:
    totp_device(owner_a)

    response = client_a.post(f"{SETTINGS}security/", {"require_two_factor": "on"})

    assert response.status_code == 302
    store_a.refresh_from_db()
    assert store_a.require_two_factor is True
    [entry] = activities(store_a, "store.two_factor_requirement_changed")
    assert (entry.actor_email, entry.changes) == (owner_a.email, {"require_two_factor": [False, True]})

    # Lifting it again goes through the service: this session is not two-factor verified, so the store now
    # sends it to the code prompt.
    assert client_a.get(f"{SETTINGS}security/").status_code == 302
    with schema_context(store_a.schema_name):
        services.store_set_two_factor_requirement(
            actor=owner_a, store=store_a, membership=Membership.objects.get(store=store_a, user=owner_a),
            required=False,
        )
    store_a.refresh_from_db()
    assert store_a.require_two_factor is False
    assert [a.changes for a in activities(store_a, "store.two_factor_requirement_changed")][-1] == {
        "require_two_factor": [True, False]
    }
    assert TOTPDevice.objects.filter(user=owner_a).count() == 1


@pytest.mark.parametrize("kind", ["admin", "custom-manage"])
def test_only_the_owner_may_require_two_factor(store_a: Store, kind: str) -> None:
    role: Role | str = "admin" if kind == "admin" else RoleFactory.create(
        store=store_a, levels={**NO_ACCESS, "settings": Level.MANAGE}
    )
    member = member_add(store_a, role).user
    totp_device(member)

    response = client_for(member).post(f"{SETTINGS}security/", {"require_two_factor": "on"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Only the store's Owner can change the two-factor requirement."
    ]
    store_a.refresh_from_db()
    assert store_a.require_two_factor is False


# --- Suspended store --------------------------------------------------------------------------------------------


def _suspend(store: Store) -> None:
    Store.objects.filter(pk=store.pk).update(status=Store.Status.SUSPENDED, suspension_reason="Unpaid fees")


def test_a_suspended_store_can_still_be_read(client_a: Client, store_a: Store) -> None:
    _suspend(store_a)
    for page in ("", "marketplaces/", "tax/", "security/"):
        response = client_a.get(f"{SETTINGS}{page}")
        assert response.status_code == 200
        assert b"This store is suspended by the platform." in response.content
    assert client_a.get("/store/test-a/team/").status_code == 200


def test_a_suspended_store_refuses_every_change_with_403(client_a: Client, store_a: Store) -> None:
    _suspend(store_a)
    admin_role = Role.objects.get(store=store_a, kind=Role.Kind.ADMIN)
    client = Client(raise_request_exception=False)
    client.force_login(store_a.memberships.get(role__kind=Role.Kind.OWNER).user)

    attempts = [
        client.post(SETTINGS, _profile(name="Renamed")),
        client.post(f"{SETTINGS}marketplaces/", {"marketplaces": _marketplace_ids("US")}),
        client.post(f"{SETTINGS}tax/", {"country": "DE", "kind": "vat", "number": "DE123456789"}),
        client.post("/store/test-a/team/invitations/", {"email": "x@example.test", "role": admin_role.pk}),
    ]

    store_a.refresh_from_db()
    assert store_a.name == "Store test-a"
    assert store_a.marketplaces.count() == 4
    assert not TaxRegistration.objects.filter(store=store_a).exists()
    assert not store_a.invitations.exists()
    assert activities(store_a) == activities(store_a, "store.opened")
    for response in attempts:
        assert response.status_code == 403
        assert b"This store is suspended" in response.content
        assert b"Unpaid fees" in response.content
