"""OMOP drug_exposure split by drug_type_concept_id: prescriptions, dispensings and statements
are the medications extract, every other exposure an administration (treatments), on
hand-built rows in a scratch PostgreSQL database."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.io.medication_codes import OMOP_DRUG_TYPES
from pipeline.io.omop import NO_ATC, read_extracts_omop
from pipeline.sources import parse_source_config
from tests.pipeline.io.omop_rows import loaded_cdm, persons, table

AS_OF = "2022-07-01"
# This test's vocabulary (ids are the test's own; codes are the real ones).
CAPECITABINE, APIXABAN, UNMAPPED, ATC_CAPE, ATC_APIX = 1337620, 43013024, 999001, 21601387, 21600961
ORAL, NASAL, NDC_PACK = 4132161, 4262914, 45000001
VOCABULARY = pd.DataFrame(
    [
        (CAPECITABINE, "RxNorm", "Ingredient", "194000"),
        (APIXABAN, "RxNorm", "Ingredient", "1364430"),
        (UNMAPPED, "RxNorm", "Ingredient", "5555"),
        (ATC_CAPE, "ATC", "ATC 5th", "L01BC06"),
        (ATC_APIX, "ATC", "ATC 5th", "B01AF02"),
        (ORAL, "SNOMED", "Qualifier Value", "26643006"),
        (NASAL, "SNOMED", "Qualifier Value", "46713006"),
        (NDC_PACK, "NDC", "11-digit NDC", "00054000101"),
    ],
    columns=["concept_id", "vocabulary_id", "concept_class_id", "concept_code"],
)
DRUG_COLUMNS = [
    "drug_exposure_id",
    "person_id",
    "drug_concept_id",
    "drug_exposure_start_date",
    "drug_exposure_end_date",
    "drug_type_concept_id",
    "route_concept_id",
    "drug_source_concept_id",
]


def _d(i: int, kind: int, drug: int, start: str, end: str = "", route: int = 0, src: int = 0):
    return dict(zip(DRUG_COLUMNS, (i, 1, drug, start, end, kind, route, src), strict=True))


ROWS = [
    _d(1, 38000177, CAPECITABINE, "2022-06-01", "2022-06-28", ORAL, NDC_PACK),  # written
    _d(2, 32869, APIXABAN, "2022-06-05", "2022-07-04"),  # pharmacy claim
    _d(3, 44787730, APIXABAN, "2021-01-01", route=NASAL),  # self-reported
    _d(4, 32818, CAPECITABINE, "2022-06-10", "2022-06-10", ORAL),  # EHR administration record
    _d(5, 32817, APIXABAN, "2022-06-11", "2022-06-11"),  # EHR: says nothing more
    _d(6, 38000177, CAPECITABINE, "2022-07-02"),  # after the as-of date
    _d(7, 32838, UNMAPPED, "2022-06-20"),  # EHR prescription of a drug with no ATC code
    _d(8, 32825, CAPECITABINE, "2022-06-21"),  # EHR dispensing record
    _d(9, 32865, APIXABAN, "2022-06-22"),  # patient self-report
]


@pytest.fixture(scope="module")
def cdm(tmp_path_factory):
    tables = {
        "concept": VOCABULARY,
        "concept_ancestor": pd.DataFrame(
            {"ancestor_concept_id": [ATC_CAPE], "descendant_concept_id": [CAPECITABINE]}
        ),
        "concept_relationship": pd.DataFrame(
            {
                "concept_id_1": [APIXABAN],
                "concept_id_2": [ATC_APIX],
                "relationship_id": ["RxNorm - ATC"],
                "invalid_reason": [""],
            }
        ),
        "person": persons(1),
        "drug_exposure": table(DRUG_COLUMNS, ROWS),
    }
    with loaded_cdm(tmp_path_factory.mktemp("omop-drugs"), tables) as url:
        yield url


def _read(cdm: str, drug_atc: dict | None = None) -> dict:
    data = {"kind": "omop", "unavailable": ["pathology", "conditions"]}
    if drug_atc:
        data["omop"] = {"drug_atc": drug_atc}
    source = parse_source_config(data, "omop.yaml")
    return read_extracts_omop(cdm, source, AS_OF, ["treatments", "medications"])


def test_each_exposure_is_in_one_extract_by_its_type(cdm):
    raws = _read(cdm)
    treatments = raws["treatments"].whole().set_index("record_id")
    medications = raws["medications"].whole().set_index("record_id")
    assert sorted(treatments.index) == ["4", "5"]
    assert sorted(medications.index) == ["1", "2", "3", "7", "8", "9"]  # 6 is after the as-of
    assert medications["kind"].to_dict() == {
        "1": "PRESCRIPTION",
        "2": "DISPENSING",
        "3": "STATEMENT",
        "7": "PRESCRIPTION",
        "8": "DISPENSING",
        "9": "STATEMENT",
    }


def test_atc_dates_route_and_source_code(cdm):
    frame = _read(cdm)["medications"].whole().set_index("record_id").fillna("")
    # ATC by concept_ancestor (capecitabine) or the RxNorm - ATC relationship (apixaban)
    assert frame["atc_code"].to_dict() == {
        "1": "L01BC06", "2": "B01AF02", "3": "B01AF02", "7": "", "8": "L01BC06", "9": "B01AF02"
    }  # fmt: skip
    assert frame.loc["1", ["start_date", "end_date"]].tolist() == ["2022-06-01", "2022-06-28"]
    assert frame.loc["3", "end_date"] == ""
    # oral from its SNOMED CT route concept; a route outside the contract's list stays empty
    assert frame["route"].to_dict() == {"1": "ORAL", "2": "", "3": "", "7": "", "8": "", "9": ""}
    # the source concept (an NDC pack) when there is one, else the standard RxNorm concept
    assert frame.loc["1", ["source_code", "source_system"]].tolist() == ["00054000101", "NDC"]
    assert frame.loc["2", ["source_code", "source_system"]].tolist() == ["1364430", "RXNORM"]


def test_a_drug_with_no_atc_code_is_counted_and_the_site_override_applies(cdm):
    raw = _read(cdm)["medications"]
    (issue,) = raw.code_issues
    assert (issue["code"], issue["rows"], issue["reason"]) == (str(UNMAPPED), 1, NO_ATC)
    frame = _read(cdm, {UNMAPPED: "L01EX01"})["medications"].whole().set_index("record_id")
    assert frame.loc["7", "atc_code"] == "L01EX01"
    assert "drug_concept_id" not in frame.columns


def test_every_kind_listed_is_a_kind_of_the_contract():
    from pipeline.contract import EXTRACTS

    assert set(OMOP_DRUG_TYPES.values()) == set(EXTRACTS["medications"].column("kind").allowed)
    assert 32818 not in OMOP_DRUG_TYPES and 32817 not in OMOP_DRUG_TYPES  # administrations
