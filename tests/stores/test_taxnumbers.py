"""Check digits of tax numbers, as properties over many generated numbers.

Valid numbers are built here from the published algorithms (ATO for the ABN, HMRC for UK VAT, GB 32100-2015 for the
unified social credit code) by computing the check digits; changing one character must then make them invalid.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from sellercenter.errors import DomainError
from stores.taxnumbers import abn_is_valid, normalise_tax_number, uk_vat_is_valid, uscc_is_valid

DIGITS = "0123456789"

# --- ABN: 11 digits; subtract 1 from the first, weight, sum, divisible by 89 ------------------------------------

ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def abn_with_check_digits(body: str) -> str:
    """The ABN whose last nine digits are ``body``: the two leading check digits make the sum divisible by 89."""
    rest = sum(w * int(d) for w, d in zip(ABN_WEIGHTS[2:], body, strict=True))
    target = -rest % 89  # 10 * (first - 1) + second must be this, modulo 89
    first, second = target // 10 + 1, target % 10
    return f"{first}{second}{body}"


abn_bodies = st.text(DIGITS, min_size=9, max_size=9)


@settings(deadline=None)
@given(abn_bodies)
@example("824753556")  # a published ABN, 51 824 753 556
def test_an_abn_with_correct_check_digits_is_valid(body: str) -> None:
    abn = abn_with_check_digits(body)
    assert abn_is_valid(abn)
    spaced = f"{abn[:2]} {abn[2:5]} {abn[5:8]} {abn[8:]}"
    assert normalise_tax_number(country="AU", kind="abn", number=spaced) == abn


@settings(deadline=None)
@given(abn_bodies, st.integers(0, 10), st.integers(1, 9))
def test_changing_one_digit_of_an_abn_makes_it_invalid(body: str, position: int, shift: int) -> None:
    abn = abn_with_check_digits(body)
    digits = list(abn)
    digits[position] = str((int(digits[position]) + shift) % 10)
    assert not abn_is_valid("".join(digits))
    with pytest.raises(DomainError, match="not a valid Australian Business Number"):
        normalise_tax_number(country="AU", kind="abn", number="".join(digits))


@settings(deadline=None)
@given(abn_bodies, st.integers(0, 9))
def test_swapping_two_neighbouring_digits_of_an_abn_makes_it_invalid(body: str, position: int) -> None:
    abn = abn_with_check_digits(body)
    assume(abn[position] != abn[position + 1])
    swapped = abn[:position] + abn[position + 1] + abn[position] + abn[position + 2:]
    assert not abn_is_valid(swapped)


@settings(deadline=None)
@given(st.text(DIGITS, max_size=14).filter(lambda s: len(s) != 11))
def test_an_abn_of_the_wrong_length_is_invalid(digits: str) -> None:
    assert not abn_is_valid(digits)


# --- UK VAT: 7 digits weighted 8..2, plus the 2 check digits, divisible by 97 (or by 97 after adding 55) -------


def uk_vat_reference(number: str) -> bool:
    if len(number) not in (9, 12) or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:7], range(8, 1, -1), strict=True)) + int(number[7:9])
    return total % 97 == 0 or (total + 55) % 97 == 0


def uk_vat_with_check_digits(body: str, *, scheme_9755: bool) -> str:
    weighted = sum(int(d) * w for d, w in zip(body, range(8, 1, -1), strict=True))
    check = -(weighted + (55 if scheme_9755 else 0)) % 97
    return f"{body}{check:02d}"


uk_bodies = st.text(DIGITS, min_size=7, max_size=7)


@settings(deadline=None)
@given(uk_bodies, st.booleans(), st.sampled_from(["", "GB", "GB ", "gb"]))
@example("9807806", False, "GB")  # GB 980 7806 84
def test_a_uk_vat_number_with_correct_check_digits_is_valid(body: str, scheme_9755: bool, prefix: str) -> None:
    number = uk_vat_with_check_digits(body, scheme_9755=scheme_9755)
    assert uk_vat_is_valid(number)
    assert uk_vat_is_valid(number + "001")  # a branch (group member) suffix keeps it valid
    typed = f"{prefix}{number[:3]} {number[3:7]} {number[7:]}"
    assert normalise_tax_number(country="GB", kind="vat", number=typed) == "GB" + number


@settings(deadline=None)
@given(uk_bodies, st.booleans(), st.integers(0, 8), st.integers(1, 9))
def test_changing_one_digit_of_a_uk_vat_number_makes_it_invalid(
    body: str, scheme_9755: bool, position: int, shift: int
) -> None:
    number = list(uk_vat_with_check_digits(body, scheme_9755=scheme_9755))
    number[position] = str((int(number[position]) + shift) % 10)
    mutated = "".join(number)
    # Two schemes share the check digits: a change worth exactly ±42 can move a number from one to the other.
    assume(not uk_vat_reference(mutated))
    assert not uk_vat_is_valid(mutated)
    with pytest.raises(DomainError, match="not a valid UK VAT number"):
        normalise_tax_number(country="GB", kind="vat", number="GB" + mutated)


@settings(deadline=None)
@given(st.one_of(st.text(DIGITS, min_size=9, max_size=9), st.text(DIGITS, min_size=12, max_size=12),
                 st.text(DIGITS, max_size=13)))
def test_the_uk_vat_check_agrees_with_hmrcs_rule_on_any_digits(digits: str) -> None:
    assert uk_vat_is_valid(digits) == uk_vat_reference(digits)


def test_uk_government_department_and_health_authority_numbers_are_accepted() -> None:
    assert normalise_tax_number(country="GB", kind="vat", number="GBGD001") == "GBGD001"
    assert normalise_tax_number(country="GB", kind="vat", number="gb ha 599") == "GBHA599"


# --- Unified social credit code: 18 characters from 31 symbols, a weighted sum modulo 31 -------------------------

USCC_SYMBOLS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z


def uscc_with_check(body: str) -> str:
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_SYMBOLS.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + USCC_SYMBOLS[-total % 31]


uscc_bodies = st.tuples(
    st.text(USCC_SYMBOLS, min_size=2, max_size=2),  # registering authority and entity type
    st.text(DIGITS, min_size=6, max_size=6),  # administrative division
    st.text(USCC_SYMBOLS, min_size=9, max_size=9),  # organisation code
).map("".join)


@settings(deadline=None)
@given(uscc_bodies)
@example("91350100M000100Y4")  # 91350100M000100Y43
def test_a_uscc_with_the_correct_check_character_is_valid(body: str) -> None:
    code = uscc_with_check(body)
    assert uscc_is_valid(code)
    typed = f"{code[:2].lower()} {code[2:8]}-{code[8:].lower()}"
    assert normalise_tax_number(country="CN", kind="uscc", number=typed) == code


@settings(deadline=None)
@given(uscc_bodies, st.integers(0, 17), st.sampled_from(USCC_SYMBOLS))
def test_changing_one_character_of_a_uscc_makes_it_invalid(body: str, position: int, replacement: str) -> None:
    code = uscc_with_check(body)
    assume(code[position] != replacement)
    mutated = code[:position] + replacement + code[position + 1:]
    assert not uscc_is_valid(mutated)
    with pytest.raises(DomainError, match="not a valid unified social credit code"):
        normalise_tax_number(country="CN", kind="uscc", number=mutated)


@settings(deadline=None)
@given(uscc_bodies, st.integers(0, 17), st.sampled_from("IOSVZ"))
def test_a_uscc_with_a_letter_outside_the_alphabet_is_invalid(body: str, position: int, letter: str) -> None:
    code = uscc_with_check(body)
    assert not uscc_is_valid(code[:position] + letter + code[position + 1:])


def test_a_uscc_is_only_accepted_for_china() -> None:
    with pytest.raises(DomainError):
        normalise_tax_number(country="HK", kind="uscc", number="91350100M000100Y43")
