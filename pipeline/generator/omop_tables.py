"""The synthetic hospital's night as OMOP CDM 5.4 tables, same patients, same truth.

Written from the export files the generator wrote (as `fhir_bulk` is), the way a hospital's
ETL would fill a CDM: codes are normalised (trimmed, upper case) and mapped to concepts, a unit
to its UCUM concept, a value to value_as_number plus an operator concept, and what the ETL
cannot map keeps concept 0 and its source value. So the truth holds on the OMOP path for every
criterion whose data the CDM carries (patients, labs, treatments, pathology); the others are
unavailable from an OMOP source (`pipeline.io.omop.DEFAULT_UNAVAILABLE`).

What the CDM has no standard home for is written as a site's ETL writes it, with the concept
sets a site declares for it (`site_concept_sets`, the source config's `omop: concept_sets:`):
ECOG as observations of LOINC 89247-1 with the LOINC answers LA9622-7 (0) to LA9627-6 (5), life
expectancy as a local observation concept with its months in value_as_number, menopausal
status as a local concept with local answers PRE / POST; grade as a measurement of a local
concept linked to its diagnosis (measurement_event_id, field concept 1147127) with local
answers G1 to G3, and Ki-67 as a local measurement with its percentage in value_as_number.

The vocabulary is the minimal one the OMOP source's queries need: LOINC, UCUM, ATC 5th level,
one RxNorm-like drug per ATC code (one reached through concept_ancestor, the others through an
'RxNorm - ATC' relationship, so both routes are exercised) and ICD-O-3 histology-topography
codes. Concepts the project invents take ids above 2,000,000,000, the range OMOP leaves to
local concepts; the gender and operator concepts the queries name are the standard ones.

Two places where the generated hospital is not a well-formed CDM, on purpose, so that every
patient is still carried: a person with no recorded birth date has no year_of_birth either
(the CDM requires one; a real ETL would drop the person), and a sex outside M/F is gender
concept 0 with its source value, as an ETL writes an unmapped code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from pipeline.generator.hospital import LAYOUT

LOCAL_CONCEPTS = 2_000_000_000
EHR = 32817  # type concept "EHR"
MALE, FEMALE = 8507, 8532
OPERATORS = {"<": 4171756, "<=": 4171754, ">": 4172704, ">=": 4171755}
# The hospital's unit spellings an ETL maps to UCUM; any other unit keeps concept 0.
UCUM = {
    "g/dL": "g/dL",
    "g/L": "g/L",
    "mmol/L": "mmol/L",
    "µmol/L": "umol/L",
    "µg/L": "ug/L",
    "UI/L": "[iU]/L",
    "mUI/mL": "m[iU]/mL",
    "G/L": "10*9/L",
    "10*9/L": "10*9/L",
    "10^9/L": "10*9/L",
    "10^3/µL": "10*3/uL",
    "/mm3": "/mm3",
}
# The CDM tables written, with their columns (a subset of CDM 5.4's, the ones filled).
TABLES = (
    "person",
    "death",
    "measurement",
    "drug_exposure",
    "condition_occurrence",
    "observation",
    "procedure_occurrence",
    "observation_period",
    "concept",
    "concept_ancestor",
    "concept_relationship",
)


def _read(exports: Path, name: str) -> pd.DataFrame:
    file, *_rest, encoding, _kinds = LAYOUT[name]
    return pd.read_csv(
        exports / file,
        sep=";",
        dtype=str,
        keep_default_na=False,
        encoding="cp1252" if encoding == "cp1252" else "utf-8-sig",
    )


def _day(values: pd.Series) -> pd.Series:
    """dd/mm/yyyy -> yyyy-mm-dd; empty stays missing."""
    return pd.to_datetime(values.replace("", None), format="%d/%m/%Y").dt.strftime("%Y-%m-%d")


def _ids(n: int) -> np.ndarray:
    return np.arange(1, n + 1, dtype="int64")


def _code(values: pd.Series) -> pd.Series:
    """A code as an ETL normalises it before looking it up."""
    return values.str.strip().str.upper()


class _Vocabulary:
    """Local concepts allocated as codes are met, one id per (vocabulary, code)."""

    def __init__(self) -> None:
        self.rows: list[pd.DataFrame] = [
            pd.DataFrame(
                {
                    "concept_id": [MALE, FEMALE, *OPERATORS.values()],
                    "vocabulary_id": ["Gender", "Gender"] + ["Meas Value Operator"] * 4,
                    "concept_class_id": ["Gender", "Gender"] + ["Meas Value Operator"] * 4,
                    "concept_code": ["M", "F", *OPERATORS],
                }
            )
        ]

    def add(self, vocabulary: str, concept_class: str, codes: pd.Series) -> pd.Series:
        """Concept ids for `codes` (index: code), new ids after the ones already allocated."""
        unique = np.sort(codes.dropna().unique())
        start = LOCAL_CONCEPTS + sum(len(r) for r in self.rows[1:]) + 1
        ids = pd.Series(np.arange(start, start + len(unique), dtype="int64"), index=unique)
        self.rows.append(
            pd.DataFrame(
                {
                    "concept_id": ids.to_numpy(),
                    "vocabulary_id": vocabulary,
                    "concept_class_id": concept_class,
                    "concept_code": unique,
                }
            )
        )
        return ids

    def table(self) -> pd.DataFrame:
        concepts = pd.concat(self.rows, ignore_index=True)
        concepts.insert(
            1, "concept_name", concepts["vocabulary_id"] + " " + concepts["concept_code"]
        )
        concepts["standard_concept"] = "S"
        concepts["valid_start_date"] = "1970-01-01"
        concepts["valid_end_date"] = "2099-12-31"
        return concepts


def omop_tables(exports: Path) -> dict[str, pd.DataFrame]:
    """The CDM tables (name -> frame) for one export folder of the synthetic hospital."""
    vocabulary = _Vocabulary()
    patients = _read(exports, "patients")
    person_ids = pd.Series(_ids(len(patients)), index=patients["IPP"].to_numpy())
    sex = _code(patients["SEXE"])
    birth = pd.to_datetime(patients["DATE_NAISSANCE"].replace("", None), format="%d/%m/%Y")
    person = pd.DataFrame(
        {
            "person_id": person_ids.to_numpy(),
            "gender_concept_id": np.select([sex == "H", sex == "F"], [MALE, FEMALE], 0),
            "year_of_birth": birth.dt.year.astype("Int64"),
            "month_of_birth": birth.dt.month.astype("Int64"),
            "day_of_birth": birth.dt.day.astype("Int64"),
            "birth_datetime": None,  # year, month and day carry it (the query's second route)
            "race_concept_id": 0,
            "ethnicity_concept_id": 0,
            "person_source_value": patients["IPP"],
            "gender_source_value": patients["SEXE"],
        }
    )
    dead = patients["DATE_DECES"] != ""
    death = pd.DataFrame(
        {
            "person_id": person_ids.to_numpy()[dead.to_numpy()],
            "death_date": _day(patients.loc[dead, "DATE_DECES"]),
            "death_type_concept_id": EHR,
        }
    )
    pathology = _read(exports, "pathology")
    labs = _measurement(_read(exports, "labs"), person_ids, vocabulary)
    tumour = _tumour_measurements(pathology, person_ids, vocabulary, first_id=len(labs) + 1)
    tables = {
        "person": person,
        "death": death,
        "measurement": pd.concat([labs, tumour], ignore_index=True),
        "condition_occurrence": _conditions(pathology, person_ids, vocabulary),
        "observation": _observation(_read(exports, "assessments"), person_ids, vocabulary),
    }
    drugs, ancestors, relationships = _drugs(_read(exports, "treatments"), person_ids, vocabulary)
    tables["drug_exposure"] = drugs
    procedures = _read(exports, "procedures")
    tables["procedure_occurrence"] = _procedures(procedures, person_ids, vocabulary)
    # The synthetic hospital keeps no observation periods: the table is there, empty, and the
    # extract is unavailable for the night ("no rows"), as at a site that does not fill it.
    tables["observation_period"] = pd.DataFrame(
        columns=[
            "observation_period_id",
            "person_id",
            "observation_period_start_date",
            "observation_period_end_date",
            "period_type_concept_id",
        ]
    )
    tables["concept"] = vocabulary.table()
    tables["concept_ancestor"] = ancestors
    tables["concept_relationship"] = relationships
    return {name: tables[name] for name in TABLES}


def _person(ipp: pd.Series, person_ids: pd.Series) -> np.ndarray:
    """person_id of each row's IPP (every IPP of an extract is a patient of the hospital)."""
    return person_ids.reindex(ipp.to_numpy()).astype("Int64").array


def _measurement(labs: pd.DataFrame, person_ids: pd.Series, vocab: _Vocabulary) -> pd.DataFrame:
    loinc = vocab.add("LOINC", "Lab Test", _code(labs["CODE_LOINC"]))
    ucum_code = labs["UNITE"].str.strip().map(UCUM)
    ucum = vocab.add("UCUM", "Unit", ucum_code)
    raw = labs["RESULTAT"].str.strip()
    parts = raw.str.extract(r"^(?P<op>[<>]=?)?(?P<number>-?\d+(?:,\d+)?)$")
    number = pd.to_numeric(parts["number"].str.replace(",", ".", regex=False))
    taken = pd.to_datetime(labs["DATE_PRELEVEMENT"], format="%d/%m/%Y %H:%M")
    return pd.DataFrame(
        {
            "measurement_id": _ids(len(labs)),
            "person_id": _person(labs["IPP"], person_ids),
            "measurement_concept_id": loinc.reindex(_code(labs["CODE_LOINC"])).to_numpy(),
            "measurement_date": taken.dt.strftime("%Y-%m-%d").to_numpy(),
            "measurement_datetime": taken.dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
            "measurement_type_concept_id": EHR,
            "operator_concept_id": parts["op"].map(OPERATORS).astype("Int64").array,
            "value_as_number": number.to_numpy(),
            "unit_concept_id": ucum.reindex(ucum_code).fillna(0).astype("int64").to_numpy(),
            "range_low": _decimal(labs, "BORNE_INF"),
            "range_high": _decimal(labs, "BORNE_SUP"),
            "measurement_source_value": labs["CODE_LOINC"].to_numpy(),
            "unit_source_value": labs["UNITE"].to_numpy(),
            "value_source_value": labs["RESULTAT"].to_numpy(),
            "measurement_event_id": None,
            "meas_event_field_concept_id": None,
        }
    )


def _decimal(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A decimal-comma column as numbers (empty, or absent from the export: NULL). The
    reference range stays in the result's unit, as the CDM records range_low / range_high."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column].str.replace(",", ".", regex=False)).to_numpy()


def _conditions(pathology: pd.DataFrame, person_ids: pd.Series, vocab: _Vocabulary) -> pd.DataFrame:
    """Diagnoses per the OHDSI oncology convention: one ICD-O-3 concept histology-topography."""
    code = _code(pathology["MORPHOLOGIE"]) + "-" + _code(pathology["TOPOGRAPHIE"])
    icdo = vocab.add("ICDO3", "ICDO Condition", code)
    concept = icdo.reindex(code).to_numpy()
    return pd.DataFrame(
        {
            "condition_occurrence_id": _ids(len(pathology)),
            "person_id": _person(pathology["IPP"], person_ids),
            "condition_concept_id": concept,
            "condition_start_date": _day(pathology["DATE_CR"]).to_numpy(),
            "condition_type_concept_id": EHR,
            "condition_source_value": (
                pathology["MORPHOLOGIE"] + "-" + pathology["TOPOGRAPHIE"]
            ).to_numpy(),
            "condition_source_concept_id": concept,
        }
    )


def _procedures(acts: pd.DataFrame, person_ids: pd.Series, vocab: _Vocabulary) -> pd.DataFrame:
    """Procedures as a French site's ETL writes them: the CCAM code as the source concept
    (CCAM is no standard vocabulary, and these illustrative codes map to no SNOMED CT
    concept), so the standard concept is 0 and the category is not told."""
    code = _code(acts["CODE_CCAM"])
    ccam = vocab.add("CCAM", "CCAM", code)
    return pd.DataFrame(
        {
            "procedure_occurrence_id": _ids(len(acts)),
            "person_id": _person(acts["IPP"], person_ids),
            "procedure_concept_id": 0,
            "procedure_date": _day(acts["DATE_ACTE"]).to_numpy(),
            "procedure_type_concept_id": EHR,
            "procedure_source_value": acts["CODE_CCAM"].to_numpy(),
            "procedure_source_concept_id": ccam.reindex(code).to_numpy(),
        }
    )


def _drugs(
    treatments: pd.DataFrame, person_ids: pd.Series, vocab: _Vocabulary
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """drug_exposure on one drug concept per ATC code, and the two routes from drug to ATC:
    the first ATC code (in code order) through concept_ancestor, the others through an
    'RxNorm - ATC' relationship."""
    atc_code = _code(treatments["CODE_ATC"])
    atc = vocab.add("ATC", "ATC 5th", atc_code)
    drug = vocab.add("RxNorm", "Clinical Drug", "RX-" + atc_code)
    drug_of_atc = drug.reindex("RX-" + atc.index).to_numpy()
    by_ancestor = np.arange(len(atc)) == 0
    ancestors = pd.DataFrame(
        {
            "ancestor_concept_id": atc.to_numpy()[by_ancestor],
            "descendant_concept_id": drug_of_atc[by_ancestor],
            "min_levels_of_separation": 1,
            "max_levels_of_separation": 1,
        }
    )
    relationships = pd.DataFrame(
        {
            "concept_id_1": drug_of_atc[~by_ancestor],
            "concept_id_2": atc.to_numpy()[~by_ancestor],
            "relationship_id": "RxNorm - ATC",
            "valid_start_date": "1970-01-01",
            "valid_end_date": "2099-12-31",
            "invalid_reason": None,
        }
    )
    day = _day(treatments["DATE_ADMINISTRATION"]).to_numpy()
    exposure = pd.DataFrame(
        {
            "drug_exposure_id": _ids(len(treatments)),
            "person_id": _person(treatments["IPP"], person_ids),
            "drug_concept_id": drug.reindex("RX-" + atc_code).to_numpy(),
            "drug_exposure_start_date": day,
            "drug_exposure_end_date": day,
            "drug_type_concept_id": EHR,  # an administration: the treatments extract
            "route_concept_id": 0,
            "drug_source_value": treatments["CODE_ATC"].to_numpy(),
            "drug_source_concept_id": 0,
        }
    )
    return exposure, ancestors, relationships


# The site's concepts for what the CDM has no standard home for: (vocabulary, class, code).
ECOG_LOINC = "89247-1"
ECOG_ANSWERS = {
    "0": "LA9622-7",
    "1": "LA9623-5",
    "2": "LA9624-3",
    "3": "LA9625-0",
    "4": "LA9626-8",
    "5": "LA9627-6",
}
LOCAL = "Local"  # a site's own vocabulary, concept ids above LOCAL_CONCEPTS
CONDITION_EVENT_FIELD = 1147127  # condition_occurrence.condition_occurrence_id


def _observation(
    assessments: pd.DataFrame, person_ids: pd.Series, vocab: _Vocabulary
) -> pd.DataFrame:
    """Assessments as a site's ETL writes them (module docstring): ECOG with LOINC answer
    concepts, life expectancy as a number, menopausal status with local answers. A type or
    an answer the ETL does not know keeps concept 0 and its source value."""
    kind = _code(assessments["TYPE_EVAL"])
    value = assessments["VALEUR"].str.strip()
    ecog = vocab.add("LOINC", "Clinical Observation", pd.Series([ECOG_LOINC]))
    local = vocab.add(LOCAL, "Observation", pd.Series(["ESPERANCE_VIE", "STATUT_MENOPAUSIQUE"]))
    answers = vocab.add("LOINC", "Answer", pd.Series(list(ECOG_ANSWERS.values())))
    status = vocab.add(LOCAL, "Answer", pd.Series(["MENOPAUSE_PRE", "MENOPAUSE_POST"]))
    is_ecog, is_life = (kind == "OMS").to_numpy(), (kind == "ESPERANCE_VIE").to_numpy()
    is_status = (kind == "STATUT_MENOPAUSIQUE").to_numpy()
    concept = np.select(
        [is_ecog, is_life, is_status],
        [ecog[ECOG_LOINC], local["ESPERANCE_VIE"], local["STATUT_MENOPAUSIQUE"]],
        0,
    )
    ecog_answer = answers.reindex(value.map(ECOG_ANSWERS)).to_numpy()
    status_answer = status.reindex("MENOPAUSE_" + value).to_numpy()
    answer = np.where(is_ecog, ecog_answer, np.where(is_status, status_answer, np.nan))
    number = pd.to_numeric(value.where(is_life), errors="coerce")
    return pd.DataFrame(
        {
            "observation_id": _ids(len(assessments)),
            "person_id": _person(assessments["IPP"], person_ids),
            "observation_concept_id": concept,
            "observation_date": _day(assessments["DATE_EVAL"]).to_numpy(),
            "observation_type_concept_id": EHR,
            "value_as_number": number.to_numpy(),
            "value_as_string": assessments["VALEUR"].to_numpy(),
            "value_as_concept_id": pd.array(answer, dtype="Int64"),
            "observation_source_value": assessments["TYPE_EVAL"].to_numpy(),
            "observation_event_id": None,
            "obs_event_field_concept_id": None,
        }
    )


def _tumour_measurements(
    pathology: pd.DataFrame, person_ids: pd.Series, vocab: _Vocabulary, first_id: int
) -> pd.DataFrame:
    """Grade (local answers G1-G3) and Ki-67 (a number) of each diagnosis as measurements
    linked to its condition occurrence (same ids as `_conditions`), where the report has one."""
    grade_code, ki67_text = _code(pathology["GRADE"]), pathology["KI67"].str.strip()
    concepts = vocab.add(LOCAL, "Measurement", pd.Series(["GRADE_OMS", "KI67"]))
    answers = vocab.add(LOCAL, "Answer", pd.Series(["GRADE_G1", "GRADE_G2", "GRADE_G3"]))
    condition = pd.Series(_ids(len(pathology)))
    day = _day(pathology["DATE_CR"])
    person = pd.Series(_person(pathology["IPP"], person_ids))
    graded, measured = (grade_code != "").to_numpy(), (ki67_text != "").to_numpy()
    number = pd.to_numeric(ki67_text.str.replace(",", ".", regex=False).where(measured))
    rows = pd.DataFrame(
        {
            "person_id": pd.concat([person[graded], person[measured]], ignore_index=True),
            "measurement_concept_id": [concepts["GRADE_OMS"]] * int(graded.sum())
            + [concepts["KI67"]] * int(measured.sum()),
            "measurement_date": pd.concat([day[graded], day[measured]], ignore_index=True),
            "value_as_number": np.concatenate([np.full(graded.sum(), np.nan), number[measured]]),
            "value_as_concept_id": pd.array(
                np.concatenate(
                    [
                        answers.reindex("GRADE_" + grade_code[graded]).to_numpy(),
                        np.full(measured.sum(), np.nan),
                    ]
                ),
                dtype="Int64",
            ),
            "measurement_event_id": pd.concat(
                [condition[graded], condition[measured]], ignore_index=True
            ),
        }
    )
    rows.insert(0, "measurement_id", np.arange(first_id, first_id + len(rows), dtype="int64"))
    rows["measurement_type_concept_id"] = EHR
    rows["unit_concept_id"] = 0
    rows["meas_event_field_concept_id"] = CONDITION_EVENT_FIELD
    return rows


def site_concept_sets(concepts: pd.DataFrame) -> dict[str, dict[str, object]]:
    """The `omop: concept_sets:` a site declares for what its ETL wrote (`_observation`,
    `_tumour_measurements`), from the vocabulary written (`omop_tables()["concept"]`)."""
    ids = concepts.set_index(["vocabulary_id", "concept_code"])["concept_id"].astype(int)

    def answers(pairs: dict[str, str], vocabulary: str) -> dict[int, str]:
        return {int(ids[(vocabulary, code)]): value for value, code in pairs.items()}

    return {
        "ECOG": {
            "concepts": [int(ids[("LOINC", ECOG_LOINC)])],
            "values": answers(ECOG_ANSWERS, "LOINC"),
        },
        "LIFE_EXPECTANCY": {"concepts": [int(ids[(LOCAL, "ESPERANCE_VIE")])]},
        "MENOPAUSAL_STATUS": {
            "concepts": [int(ids[(LOCAL, "STATUT_MENOPAUSIQUE")])],
            "values": answers({"PRE": "MENOPAUSE_PRE", "POST": "MENOPAUSE_POST"}, LOCAL),
        },
        "grade": {
            "concepts": [int(ids[(LOCAL, "GRADE_OMS")])],
            "values": answers({g: f"GRADE_{g}" for g in ("G1", "G2", "G3")}, LOCAL),
        },
        "ki67_percent": {"concepts": [int(ids[(LOCAL, "KI67")])]},
    }


SOURCE_FILE = "source.yaml"


def write_omop_csv(exports: Path, out: Path) -> dict[str, int]:
    """One CSV per CDM table in `out` (`person.csv`...), as `screening load-omop` loads them,
    and the site's source config beside them (`source.yaml`: kind omop with the concept sets
    of `site_concept_sets`; the loader reads only the CSV files); rows written per table."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    tables = omop_tables(exports)
    for name, frame in tables.items():
        frame.to_csv(out / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        written[name] = len(frame)
    config = {
        "hospital": "CHU Synthétique (OMOP CDM 5.4, generated)",
        "kind": "omop",
        "omop": {"concept_sets": site_concept_sets(tables["concept"])},
    }
    text = "# Written by pipeline/generator/omop_tables.py with the tables beside it.\n"
    text += yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    (out / SOURCE_FILE).write_text(text, encoding="utf-8")
    return written
