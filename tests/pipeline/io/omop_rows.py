"""Hand-built OMOP CDM 5.4 rows for tests: a few CSV tables written to a folder and loaded
into a scratch PostgreSQL database the way `screening load-omop` loads a bundle."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from pipeline.omop_load import load_omop_folder, load_omop_zip
from tests.conftest import shared_data
from tests.pg_service import scratch_database

# OHDSI Eunomia Synthea27Nj, OMOP CDM 5.4 (../shared/data/omop/).
EUNOMIA = shared_data("omop", "Synthea27Nj_5.4.zip")

# Standard concept ids (OHDSI vocabulary) of the concepts the tests name.
CONCEPTS = pd.DataFrame(
    [
        (3000963, "LOINC", "Lab Test", "718-7"),  # haemoglobin
        (3006923, "LOINC", "Lab Test", "1742-6"),  # ALT
        (3016723, "LOINC", "Lab Test", "2160-0"),  # creatinine
        (8713, "UCUM", "Unit", "g/dL"),
        (8636, "UCUM", "Unit", "g/L"),
        (8645, "UCUM", "Unit", "U/L"),
        (8840, "UCUM", "Unit", "mg/dL"),
        (8749, "UCUM", "Unit", "umol/L"),
    ],
    columns=["concept_id", "vocabulary_id", "concept_class_id", "concept_code"],
)
MEASUREMENT_COLUMNS = [
    "measurement_id",
    "person_id",
    "measurement_concept_id",
    "measurement_date",
    "measurement_datetime",
    "measurement_type_concept_id",
    "operator_concept_id",
    "value_as_number",
    "value_as_concept_id",
    "unit_concept_id",
    "range_low",
    "range_high",
    "measurement_source_value",
    "unit_source_value",
    "value_source_value",
    "measurement_event_id",
    "meas_event_field_concept_id",
]
OBSERVATION_COLUMNS = [
    "observation_id",
    "person_id",
    "observation_concept_id",
    "observation_date",
    "observation_datetime",
    "observation_type_concept_id",
    "value_as_number",
    "value_as_string",
    "value_as_concept_id",
    "unit_concept_id",
    "observation_source_value",
    "observation_event_id",
    "obs_event_field_concept_id",
]
CONDITION_COLUMNS = [
    "condition_occurrence_id",
    "person_id",
    "condition_concept_id",
    "condition_start_date",
    "condition_type_concept_id",
    "condition_source_value",
    "condition_source_concept_id",
]

PROCEDURE_COLUMNS = [
    "procedure_occurrence_id",
    "person_id",
    "procedure_concept_id",
    "procedure_date",
    "procedure_type_concept_id",
    "procedure_source_value",
    "procedure_source_concept_id",
]
PERIOD_COLUMNS = [
    "observation_period_id",
    "person_id",
    "observation_period_start_date",
    "observation_period_end_date",
    "period_type_concept_id",
]
ANCESTOR_COLUMNS = [
    "ancestor_concept_id",
    "descendant_concept_id",
    "min_levels_of_separation",
    "max_levels_of_separation",
]


def persons(count: int, born: str = "1960-05-01") -> pd.DataFrame:
    """`count` women born on `born`, person_id 1..count."""
    day = pd.Timestamp(born)
    return pd.DataFrame(
        {
            "person_id": range(1, count + 1),
            "gender_concept_id": 8532,
            "year_of_birth": day.year,
            "month_of_birth": day.month,
            "day_of_birth": day.day,
            "birth_datetime": "",
            "race_concept_id": 0,
            "ethnicity_concept_id": 0,
        }
    )


def table(columns: list[str], rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows with every column of the table (missing cells empty: NULL once loaded)."""
    return pd.DataFrame(rows, columns=columns, dtype=object).fillna("")  # 1 stays 1, not 1.0


@contextmanager
def loaded_cdm(folder: Path, tables: dict[str, pd.DataFrame]) -> Iterator[str]:
    """The tables (plus empty death, procedure, observation period and ancestry tables and the
    CONCEPTS vocabulary, unless given) loaded into schema cdm of a scratch database; yields
    its URL."""
    tables = {
        "concept": CONCEPTS,
        "death": pd.DataFrame(columns=["person_id", "death_date", "death_type_concept_id"]),
        "procedure_occurrence": pd.DataFrame(columns=PROCEDURE_COLUMNS),
        "concept_ancestor": pd.DataFrame(columns=ANCESTOR_COLUMNS),
        "observation_period": pd.DataFrame(columns=PERIOD_COLUMNS),
        **tables,
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    with scratch_database() as url:
        load_omop_folder(folder, url, "cdm", create=False)
        yield url


def eunomia_csv(name: str) -> pd.DataFrame:
    """One CSV of the Eunomia bundle, read independently of the loader (all text)."""
    with zipfile.ZipFile(EUNOMIA) as archive:
        data = archive.read(f"{name}.csv")
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


@contextmanager
def loaded_eunomia() -> Iterator[str]:
    """The Eunomia bundle loaded into schema cdm of a scratch database; yields its URL."""
    with scratch_database() as url:
        load_omop_zip(EUNOMIA, url, "cdm", create=False)
        yield url
