import pytest

from advisory.errors import DomainError
from clients.identity import identity_hash, validate_hkid, validate_identity, validate_passport, validate_twid
from clients.masking import mask_identity, mask_text


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",
        "11010519491231002x",
        "310104198506121230",
        "440305199003152343",
        "110108 19780822 3455",
    ],
)
def test_valid_prc_resident_ids_pass_and_come_back_canonical(number):
    assert validate_identity("prc_id", number) == number.replace(" ", "").upper()


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # too short
        "110105194913310025",  # month 13
        "990105194912310020",  # unknown region
        "ABCDEFGHIJKLMNOPQR",
    ],
)
def test_invalid_prc_resident_ids_get_a_field_error(number):
    with pytest.raises(DomainError) as exc:
        validate_identity("prc_id", number)
    assert "id_number" in exc.value.fields


@pytest.mark.parametrize(
    "number,canonical", [("A123456(3)", "A123456(3)"), ("a1234563", "A123456(3)"), ("AB987654(2)", None)]
)
def test_hong_kong_ids(number, canonical):
    if canonical is None:
        # compute the right digit for a two-letter prefix and check both ways
        from clients.identity import hkid_check_digit

        digit = hkid_check_digit("AB", "987654")
        assert validate_hkid(f"AB987654({digit})") == f"AB987654({digit})"
        wrong = "0" if digit != "0" else "1"
        with pytest.raises(DomainError):
            validate_hkid(f"AB987654({wrong})")
    else:
        assert validate_hkid(number) == canonical


def test_hong_kong_check_digit_a_means_ten():
    from clients.identity import hkid_check_digit

    # G123456 -> weights give a remainder of 1, i.e. check value 10 = "A"
    assert hkid_check_digit("G", "123456") == "A"
    assert validate_identity("hk_id", "G123456(A)") == "G123456(A)"


@pytest.mark.parametrize("number", ["A123456(4)", "123456(3)", "A12345(3)"])
def test_invalid_hong_kong_ids(number):
    with pytest.raises(DomainError):
        validate_identity("hk_id", number)


@pytest.mark.parametrize("number", ["A123456789", "F131104093", "a123456789"])
def test_valid_taiwan_ids(number):
    assert validate_twid(number) == number.upper()


@pytest.mark.parametrize("number", ["A123456788", "A323456789", "1123456789", "A12345678"])
def test_invalid_taiwan_ids(number):
    with pytest.raises(DomainError):
        validate_identity("tw_id", number)


def test_passports_by_format():
    assert validate_passport("E12345678", "CN") == "E12345678"
    assert validate_passport("EA1234567", "cn") == "EA1234567"
    assert validate_passport("K1234567", "GB") == "K1234567"
    for bad, country in [
        ("X1234567", "CN"),
        ("E1234567", "CN"),
        ("12AB", ""),
        ("ABCDEFGH", ""),
        ("E1234567890", ""),
    ]:
        with pytest.raises(DomainError):
            validate_passport(bad, country)


def test_unified_social_credit_code_for_institutions():
    assert validate_identity("uscc", "91310115MA1K3YJ12G") == "91310115MA1K3YJ12G"
    with pytest.raises(DomainError):
        validate_identity("uscc", "91310115MA1K3YJ12X")


def test_missing_type_or_number_is_refused():
    with pytest.raises(DomainError) as exc:
        validate_identity("", "11010519491231002X")
    assert "id_document_type" in exc.value.fields
    with pytest.raises(DomainError):
        validate_identity("prc_id", "")


def test_lookup_hash_is_keyed_and_normalised(settings):
    a = identity_hash("prc_id", "11010519491231002X")
    assert a == identity_hash("prc_id", "110105 19491231002x")
    assert a != identity_hash("hk_id", "11010519491231002X")
    settings.LOOKUP_HASH_KEY = "another-key"
    assert identity_hash("prc_id", "11010519491231002X") != a


def test_masks():
    assert mask_identity("11010519491231002X") == "110105********002X"
    assert mask_identity("110105194912311234") == "110105********1234"
    assert mask_identity("A123456(3)") == "A*******3)"
    assert mask_text("13812345678", keep_start=3, keep_end=4) == "138****5678"
    assert mask_text("6222020012345678", keep_start=0, keep_end=4) == "************5678"
    assert mask_text("", keep_end=4) == ""
    assert "12" not in mask_text("12", keep_start=3, keep_end=4)
