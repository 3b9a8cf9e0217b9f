"""Format checks for tax numbers whose format is public: EU VAT, UK VAT, Australian ABN, Singapore GST and the
Chinese unified social credit code. Other numbers are kept as typed (trimmed, upper-cased)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from sellercenter.errors import DomainError

# The VIES formats of each EU member state's VAT number, without the country prefix.
EU_VAT_FORMATS: dict[str, str] = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
}
# Greece uses "EL" in VAT numbers although its ISO code is GR.
VAT_PREFIX = {"GR": "EL"}

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def _compact(number: str) -> str:
    return re.sub(r"[\s.\-/]", "", number).upper()


def _invalid(label: str) -> DomainError:
    return DomainError(_("This is not a valid %(label)s.") % {"label": label}, field="number")


def abn_is_valid(digits: str) -> bool:
    if not re.fullmatch(r"\d{11}", digits):
        return False
    values = [int(d) for d in digits]
    values[0] -= 1
    return sum(w * v for w, v in zip(ABN_WEIGHTS, values, strict=True)) % 89 == 0


def uk_vat_is_valid(digits: str) -> bool:
    """HMRC's modulus 97 check, in both the old and the "9755" variants."""
    if re.fullmatch(r"(GD|HA)\d{3}", digits):
        return True  # government departments and health authorities
    if not re.fullmatch(r"\d{9}(\d{3})?", digits):
        return False
    body = digits[:9]
    total = sum(int(d) * w for d, w in zip(body[:7], range(8, 1, -1), strict=True)) + int(body[7:9])
    return total % 97 == 0 or (total + 55) % 97 == 0


def uscc_is_valid(code: str) -> bool:
    if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", code):
        return False
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return USCC_ALPHABET[check] == code[17]


def normalise_tax_number(*, country: str, kind: str, number: str) -> str:
    """The number in its canonical form; raises DomainError with a clear message when the format is wrong."""
    compact = _compact(number)
    if not compact:
        raise DomainError(_("Enter the number."), field="number")
    if len(compact) > 40:
        raise _invalid(_("tax number"))
    if kind == "vat" and country in ("GB", "XI"):
        digits = compact.removeprefix(country)
        if not uk_vat_is_valid(digits):
            raise _invalid(_("UK VAT number"))
        return country + digits
    if kind == "vat":
        prefix = VAT_PREFIX.get(country, country)
        if prefix in EU_VAT_FORMATS:
            digits = compact.removeprefix(prefix)
            if not re.fullmatch(EU_VAT_FORMATS[prefix], digits):
                raise _invalid(_("EU VAT number"))
            return prefix + digits
    if kind == "abn":
        if country != "AU" or not abn_is_valid(compact):
            raise _invalid(_("Australian Business Number"))
        return compact
    if kind == "gst" and country == "SG":
        # IRAS GST numbers are either the UEN (9 or 10 characters) or the older M2/MR format.
        if not re.fullmatch(r"(M[2-9R]\d{7}[A-Z]|\d{8}[A-Z]|\d{9}[A-Z]|[TSR]\d{2}[A-Z]{2}\d{4}[A-Z])", compact):
            raise _invalid(_("Singapore GST number"))
        return compact
    if kind == "uscc":
        if country != "CN" or not uscc_is_valid(compact):
            raise _invalid(_("unified social credit code"))
        return compact
    return compact
