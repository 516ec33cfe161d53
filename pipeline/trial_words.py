"""A trial's criteria in words, in English or French, for an investigator to sign off.

The investigator signs what the screening will do, not what the protocol says: each
criterion's rule is read back from the loaded rule objects (thresholds in the unit results
are compared in, windows counted back from the as-of date or measured from an anchor event,
code sets expanded to their patterns, the extracts and columns read), so a wrong window or a
missing exclusion code is seen before the first run. Code, columns and values are marked
`like this`; the document writers (`pipeline.trial_render`) set them in a code font.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.labs.catalogue import load_catalogue
from pipeline.rules import (
    AgeRule,
    AliveRule,
    AroundEventRule,
    ConfirmAtVisitRule,
    DerivedMeasureRule,
    FirstRecordRule,
    GroupRule,
    IntervalRule,
    LatestLabRule,
    LatestRecordRule,
    LesionRule,
    PatientAttributeRule,
    RecordCountRule,
    TreatmentCoursesRule,
)
from pipeline.rules.around_event import Edge
from pipeline.rules.code_sets import CodeSet
from pipeline.rules.conditions import Condition
from pipeline.rules.courses import CourseSpec
from pipeline.rules.reads import rule_reads
from pipeline.rules.windows import UNITS, Offset, Window
from pipeline.status import STATUS_NAMES
from pipeline.trial import Criterion, Trial

LANGUAGES = ("en", "fr")

# Every phrase the rendering uses, in each language.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "title": "Eligibility criteria as screened",
        "trial": "Trial",
        "version": "version",
        "file": "Trial file",
        "fingerprint": "SHA-256 of the file",
        "as_of": (
            "Every window is counted back from the as-of date of a run, which stands for the "
            "inclusion date, unless the rule measures it from another event (its anchor); "
            "both ends are included. Statuses: met, not met, unknown (data "
            "missing or unusable), to confirm (only the inclusion visit can tell), not "
            "applicable."
        ),
        "inclusion": "Inclusion",
        "exclusion": "Exclusion",
        "exclusion_note": "the patient is excluded when the rule below is met",
        "item": "protocol item",
        "rule": "Rule",
        "applies_when": "Applies only when",
        "absent": "When no record is found",
        "to_confirm": "To confirm at the inclusion visit",
        "data": "Data read",
        "code_sets": "Code sets",
        "code_set_system": "code system",
        "include": "includes",
        "exclude": "excludes",
        "no_code_sets": "This trial names no code set.",
        "sign_off": "Reviewed and approved",
        "name": "Name",
        "role": "Role",
        "date": "Date",
        "signature": "Signature",
        "window_any": "at any time up to the as-of date",
        "window": "in the {length} up to the as-of date",
        "window_ending": "dated at least {ending} before the as-of date",
        "window_between": "dated from {length} to {ending} before the as-of date",
        "years": "{n} years",
        "months": "{n} months",
        "weeks": "{n} weeks",
        "days": "{n} days",
        "year": "1 year",
        "month": "1 month",
        "week": "1 week",
        "day": "1 day",
        "compared_as": "compared as",
        "and": "and",
        "or": "or",
        "alive": (
            "Alive on the as-of date: a death date on or before it makes the patient not "
            "eligible; no death date recorded means alive."
        ),
        "age_min": "age in whole years on the as-of date ≥ {n}",
        "age_max": "age in whole years on the as-of date ≤ {n}",
        "attribute": "On the patient record: {conditions}.",
        "latest_record": "The latest {record}{where} {window} must meet: {conditions}.",
        "where": " where {conditions}",
        "latest_lab": "The latest {analyte} result {window} must be {op} {threshold}.",
        "qualified": (
            "A qualified result (e.g. `<0.5`) decides only when it settles the comparison; "
            "otherwise unknown."
        ),
        "courses": (
            "Administrations of ATC {codes}, grouped into courses (a gap of more than {gap} days "
            "starts a new course): course {course} must count {op} {count} administrations."
        ),
        "interval_exists": (
            "A {record}{where} dated after the {at} of course {course} of ATC {codes} (courses "
            "split by gaps of more than {gap} days)."
        ),
        "interval_months": (
            "From the {at} of course {course} of ATC {codes} (courses split by gaps of more than "
            "{gap} days) to the first later {record}{where}: at least {months} calendar months."
        ),
        "start": "start",
        "end": "end",
        "lesions": (
            "On the latest imaging study{where} {window}: at least {min_lesions} lesions, of "
            "which at least {min_measurable} measurable (RECIST 1.1: a non-nodal lesion is "
            "measurable from {longest} mm longest diameter; a lymph node is a lesion from "
            "{node_lesion} mm short axis and measurable from {node} mm)."
        ),
        "confirm": "Confirmed at the inclusion visit: {note}.",
        "latest_lab_relative": (
            "The latest {analyte} result {window} must be {op} {multiple} × the {limit} of its "
            "own reference range; a result without that limit is unknown."
        ),
        "latest_lab_wnl": (
            "The latest {analyte} result {window} must lie within its own reference range, "
            "both limits included; a result without a reference range is unknown."
        ),
        "uln": "upper limit of normal (ULN)",
        "lln": "lower limit of normal (LLN)",
        "record_count": (
            "The number of {record} records{where} {window} must be {bounds}. A record with a "
            "missing value or date, or set aside by data quality, may count: the criterion is "
            "unknown where such records could change the answer."
        ),
        "observed": (
            " A verdict resting on records not found holds only for a patient observed by the "
            "source over the whole window (an observation period covers it); else unknown."
        ),
        "overlap": (
            " A record counts when its period, from its start to its end, meets the window (a "
            "prescription started before it and still running counts); "
        ),
        "overlap_open": "a record without an end date that started before the window may count.",
        "overlap_lasts": "a record without an end date is taken to last {length} from its start.",
        "first_record": (
            "The first {record} record{where}, looked for over the whole history, must be "
            "{window}{conditions}. A record that may be the first but has a missing value or "
            "date, or was set aside by data quality, makes the criterion unknown."
        ),
        "first_conditions": " and meet {conditions}",
        "around_event": (
            "The number of {record} records{where} from {start} to {end}, relative to the "
            "{anchor}, must be {bounds} (both ends included, counted up to the as-of date). "
            "Without that anchor, or where it cannot be told, the criterion is unknown."
        ),
        "anchor": "{which} {record} record{where}",
        "anchor_first": "first",
        "anchor_last": "latest",
        "edge_zero": "the same day",
        "edge_before": "{length} before",
        "edge_after": "{length} after",
        "bounds_ge": "at least {n}",
        "bounds_le": "at most {n}",
        "bounds_between": "between {low} and {high}",
        "derived_egfr_ckd_epi_2021": (
            "The eGFR by the CKD-EPI 2021 equation, from the latest creatinine {window}, the age "
            "at that sample and the sex, must be {op} {threshold} mL/min/1.73 m²."
        ),
        "derived_input": "the latest {analyte} {window}",
        "derived_creatinine_clearance_cockcroft_gault": (
            "The creatinine clearance by the Cockcroft-Gault formula ((140 − age) × weight / "
            "(72 × creatinine mg/dL), × 0.85 for a woman), from {inputs}, the age on the as-of "
            "date and the sex, must be {op} {threshold} mL/min."
        ),
        "derived_bmi": "The body mass index, from {inputs}, must be {op} {threshold} kg/m².",
        "derived_qtcf": (
            "The QTc by Fridericia's formula (QT / RR^1/3, RR = 60 / heart rate), from {inputs} "
            "and the heart rate recorded with it, must be {op} {threshold} ms; without a heart "
            "rate of the same ECG it is unknown."
        ),
        "derived_corrected_calcium": (
            "The albumin-corrected calcium (Payne: calcium + 0.02 × (40 − albumin g/L)), from "
            "{inputs}, must be {op} {threshold} mmol/L."
        ),
        "group_all_of": "All of the following, each three-valued (one not met: not met; "
        "otherwise one unknown: unknown):",
        "group_any_of": "At least one of the following (one met: met; otherwise one unknown: "
        "unknown):",
        "group_none_of": "None of the following (one met: not met; otherwise one unknown: "
        "unknown):",
        "code_set_ref": "code set `{name}` ({patterns})",
        "count_ge": "at least",
        "count_le": "at most",
        "count_eq": "exactly",
        "status_unknown": "unknown (to review)",
        "status_to_confirm": "to confirm at the inclusion visit",
        "status_not_met": "not met",
    },
    "fr": {
        "title": "Critères d'éligibilité tels que criblés",
        "trial": "Essai",
        "version": "version",
        "file": "Fichier de l'essai",
        "fingerprint": "SHA-256 du fichier",
        "as_of": (
            "Chaque fenêtre est comptée à rebours depuis la date de référence du criblage, qui "
            "tient lieu de date d'inclusion, sauf si la règle la mesure depuis un autre "
            "événement (son événement de référence) ; les deux bornes sont incluses. Statuts : "
            "rempli, non rempli, inconnu (donnée absente ou inutilisable), à confirmer (seule la "
            "visite d'inclusion peut le dire), non applicable."
        ),
        "inclusion": "Inclusion",
        "exclusion": "Exclusion",
        "exclusion_note": "le patient est exclu quand la règle ci-dessous est remplie",
        "item": "item du protocole",
        "rule": "Règle",
        "applies_when": "S'applique seulement si",
        "absent": "Quand aucun enregistrement n'est trouvé",
        "to_confirm": "À confirmer à la visite d'inclusion",
        "data": "Données lues",
        "code_sets": "Jeux de codes",
        "code_set_system": "système de codes",
        "include": "inclut",
        "exclude": "exclut",
        "no_code_sets": "Cet essai ne nomme aucun jeu de codes.",
        "sign_off": "Relu et approuvé",
        "name": "Nom",
        "role": "Fonction",
        "date": "Date",
        "signature": "Signature",
        "window_any": "à n'importe quelle date jusqu'à la date de référence",
        "window": "dans les {length} précédant la date de référence (incluse)",
        "window_ending": "daté d'au moins {ending} avant la date de référence",
        "window_between": "daté d'entre {length} et {ending} avant la date de référence",
        "years": "{n} ans",
        "months": "{n} mois",
        "weeks": "{n} semaines",
        "days": "{n} jours",
        "year": "1 an",
        "month": "1 mois",
        "week": "1 semaine",
        "day": "1 jour",
        "compared_as": "comparé comme",
        "and": "et",
        "or": "ou",
        "alive": (
            "En vie à la date de référence : une date de décès antérieure ou égale rend le "
            "patient non éligible ; sans date de décès, le patient est considéré en vie."
        ),
        "age_min": "âge en années révolues à la date de référence ≥ {n}",
        "age_max": "âge en années révolues à la date de référence ≤ {n}",
        "attribute": "Sur la fiche patient : {conditions}.",
        "latest_record": "Le dernier enregistrement « {record} »{where} {window} doit remplir : "
        "{conditions}.",
        "where": " tel que {conditions}",
        "latest_lab": "Le dernier résultat « {analyte} » {window} doit être {op} {threshold}.",
        "qualified": (
            "Un résultat qualifié (p. ex. `<0.5`) ne décide que s'il tranche la comparaison ; "
            "sinon inconnu."
        ),
        "courses": (
            "Administrations de l'ATC {codes}, regroupées en cures (un intervalle de plus de {gap} "
            "jours ouvre une nouvelle cure) : la cure {course} doit compter {op} {count} "
            "administrations."
        ),
        "interval_exists": (
            "Un enregistrement « {record} »{where} daté après la {at} de la cure {course} de "
            "l'ATC {codes} (cures séparées par plus de {gap} jours)."
        ),
        "interval_months": (
            "De la {at} de la cure {course} de l'ATC {codes} (cures séparées par plus de {gap} "
            "jours) au premier enregistrement « {record} » suivant{where} : au moins {months} "
            "mois calendaires."
        ),
        "start": "première administration",
        "end": "dernière administration",
        "lesions": (
            "Sur le dernier examen d'imagerie{where} {window} : au moins {min_lesions} lésions, "
            "dont au moins {min_measurable} mesurables (RECIST 1.1 : une lésion non "
            "ganglionnaire est mesurable à partir de {longest} mm de plus grand diamètre ; un "
            "ganglion est une lésion à partir de {node_lesion} mm de petit axe et mesurable à "
            "partir de {node} mm)."
        ),
        "confirm": "Confirmé à la visite d'inclusion : {note}.",
        "latest_lab_relative": (
            "Le dernier résultat « {analyte} » {window} doit être {op} {multiple} × la {limit} "
            "de sa propre plage de référence ; un résultat sans cette limite est inconnu."
        ),
        "latest_lab_wnl": (
            "Le dernier résultat « {analyte} » {window} doit être dans sa propre plage de "
            "référence, bornes incluses ; un résultat sans plage de référence est inconnu."
        ),
        "uln": "limite supérieure de la normale (LSN)",
        "lln": "limite inférieure de la normale (LIN)",
        "record_count": (
            "Le nombre d'enregistrements « {record} »{where} {window} doit être {bounds}. Un "
            "enregistrement sans valeur ou sans date, ou écarté par le contrôle qualité, peut "
            "compter : le critère est inconnu là où il pourrait changer la réponse."
        ),
        "observed": (
            " Un verdict fondé sur l'absence d'enregistrements ne vaut que pour un patient "
            "observé par la source sur toute la fenêtre (une période d'observation la couvre) ; "
            "sinon, il est inconnu."
        ),
        "overlap": (
            " Un enregistrement compte quand sa période, de son début à sa fin, rencontre la "
            "fenêtre (une prescription commencée avant et toujours en cours compte) ; "
        ),
        "overlap_open": (
            "un enregistrement sans date de fin commencé avant la fenêtre peut compter."
        ),
        "overlap_lasts": (
            "un enregistrement sans date de fin est réputé durer {length} à partir de son début."
        ),
        "first_record": (
            "Le premier enregistrement « {record} »{where} (cherché sur tout l'historique) doit "
            "être {window}{conditions}. Un enregistrement qui pourrait être le premier mais "
            "sans valeur ou sans date, ou écarté par le contrôle qualité, rend le critère inconnu."
        ),
        "first_conditions": " et satisfaire {conditions}",
        "around_event": (
            "Le nombre d'enregistrements « {record} »{where}, par rapport à l'événement de "
            "référence ({anchor}), de {start} à {end}, doit être {bounds} (bornes incluses, "
            "comptés jusqu'à la date de référence). Sans cet événement de référence, ou s'il ne "
            "peut être établi, le critère est inconnu."
        ),
        "anchor": "{which} enregistrement « {record} »{where}",
        "anchor_first": "le premier",
        "anchor_last": "le dernier",
        "edge_zero": "son jour même",
        "edge_before": "{length} avant",
        "edge_after": "{length} après",
        "bounds_ge": "au moins {n}",
        "bounds_le": "au plus {n}",
        "bounds_between": "entre {low} et {high}",
        "derived_egfr_ckd_epi_2021": (
            "Le DFG estimé par l'équation CKD-EPI 2021, à partir de la dernière créatinine "
            "{window}, de l'âge à ce prélèvement et du sexe, doit être {op} {threshold} "
            "mL/min/1,73 m²."
        ),
        "derived_input": "du dernier résultat « {analyte} » {window}",
        "derived_creatinine_clearance_cockcroft_gault": (
            "La clairance de la créatinine par la formule de Cockcroft-Gault ((140 − âge) × "
            "poids / (72 × créatinine mg/dL), × 0,85 pour une femme), à partir {inputs}, de "
            "l'âge à la date de référence et du sexe, doit être {op} {threshold} mL/min."
        ),
        "derived_bmi": (
            "L'indice de masse corporelle, à partir {inputs}, doit être {op} {threshold} kg/m²."
        ),
        "derived_qtcf": (
            "Le QTc par la formule de Fridericia (QT / RR^1/3, RR = 60 / fréquence cardiaque), "
            "à partir {inputs} et de la fréquence cardiaque enregistrée avec lui, doit être "
            "{op} {threshold} ms ; sans fréquence cardiaque du même ECG, il est inconnu."
        ),
        "derived_corrected_calcium": (
            "La calcémie corrigée par l'albumine (Payne : calcium + 0,02 × (40 − albumine "
            "g/L)), à partir {inputs}, doit être {op} {threshold} mmol/L."
        ),
        "group_all_of": "Toutes les conditions suivantes, chacune à trois valeurs (une non "
        "remplie : non rempli ; sinon une inconnue : inconnu) :",
        "group_any_of": "Au moins une des conditions suivantes (une remplie : rempli ; sinon une "
        "inconnue : inconnu) :",
        "group_none_of": "Aucune des conditions suivantes (une remplie : non rempli ; sinon une "
        "inconnue : inconnu) :",
        "code_set_ref": "jeu de codes `{name}` ({patterns})",
        "count_ge": "au moins",
        "count_le": "au plus",
        "count_eq": "exactement",
        "status_unknown": "inconnu (à revoir)",
        "status_to_confirm": "à confirmer à la visite d'inclusion",
        "status_not_met": "non rempli",
    },
}

_OPERATORS = {
    "en": {
        "eq": "is",
        "ne": "is not",
        "in": "is one of",
        "not_in": "is none of",
        "gt": ">",
        "ge": "≥",
        "lt": "<",
        "le": "≤",
        "is_true": "is true",
        "is_false": "is false",
        "prefix": "starts with",
        "is_missing": "is not recorded",
        "is_present": "is recorded",
        "in_set": "is in",
        "not_in_set": "is not in",
    },
    "fr": {
        "eq": "vaut",
        "ne": "ne vaut pas",
        "in": "vaut l'un de",
        "not_in": "ne vaut aucun de",
        "gt": ">",
        "ge": "≥",
        "lt": "<",
        "le": "≤",
        "is_true": "est vrai",
        "is_false": "est faux",
        "prefix": "commence par",
        "is_missing": "n'est pas renseigné",
        "is_present": "est renseigné",
        "in_set": "appartient au",
        "not_in_set": "n'appartient pas au",
    },
}
_COMPARATORS = {">": "gt", ">=": "ge", "<": "lt", "<=": "le"}
_RECORDS = {
    "en": {
        "patients": "patient record",
        "pathology": "pathology report",
        "labs": "lab result",
        "imaging_studies": "imaging study",
        "imaging_lesions": "lesion",
        "treatments": "administration",
        "assessments": "clinical assessment",
        "tumour_board": "tumour board decision",
        "conditions": "diagnosis",
        "biomarkers": "biomarker result",
        "procedures": "procedure",
        "medications": "medication record",
        "observation_periods": "observation period",
        "tumour_stage": "cancer staging",
    },
    "fr": {
        "patients": "fiche patient",
        "pathology": "compte rendu d'anatomopathologie",
        "labs": "résultat biologique",
        "imaging_studies": "examen d'imagerie",
        "imaging_lesions": "lésion",
        "treatments": "administration",
        "assessments": "évaluation clinique",
        "tumour_board": "décision de RCP",
        "conditions": "diagnostic",
        "biomarkers": "résultat de biomarqueur",
        "procedures": "acte",
        "medications": "enregistrement de médicament",
        "observation_periods": "période d'observation",
        "tumour_stage": "stadification du cancer",
    },
}
_ANALYTES_FR = {
    "haemoglobin": "hémoglobine",
    "neutrophils": "polynucléaires neutrophiles",
    "platelets": "plaquettes",
    "beta_hcg": "β-hCG",
    "creatinine": "créatinine",
    "alt": "ALAT",
    "ast": "ASAT",
    "bilirubin": "bilirubine",
    "albumin": "albumine",
    "chromogranin_a": "chromogranine A",
    "white_cells": "leucocytes",
    "potassium": "potassium",
    "sodium": "sodium",
    "calcium": "calcium",
    "magnesium": "magnésium",
    "phosphate": "phosphates",
    "glucose": "glucose",
    "hba1c": "HbA1c",
    "fsh": "FSH",
    "oestradiol": "œstradiol",
    "nt_probnp": "NT-proBNP",
    "body_weight": "poids",
    "body_height": "taille",
    "bmi": "IMC",
    "systolic_bp": "pression artérielle systolique",
    "diastolic_bp": "pression artérielle diastolique",
    "heart_rate": "fréquence cardiaque",
    "qt_interval": "intervalle QT",
    "qtc_interval": "QT corrigé (formule de l'appareil)",
    "lvef": "FEVG",
}

_ANALYTES_EN = {
    "bmi": "BMI",
    "systolic_bp": "systolic blood pressure",
    "diastolic_bp": "diastolic blood pressure",
    "qt_interval": "QT interval",
    "qtc_interval": "QTc (the device's formula)",
    "lvef": "LVEF",
}


@dataclass(frozen=True)
class CriterionWords:
    """One criterion as the rendering shows it."""

    id: str
    order: int
    kind: str
    protocol_item: str
    text: str
    rule: str
    applies_when: tuple[str, ...]
    when_absent: str
    to_confirm: str
    data: tuple[str, ...]


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"


class _Words:
    """Sentences of one language."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}")
        self.lang = lang
        self.phrases = PHRASES[lang]

    def __call__(self, key: str, **values: Any) -> str:
        return self.phrases[key].format(**values)

    def length(self, offset: Offset) -> str:
        parts = [
            self(unit[:-1] if getattr(offset, unit) == 1 else unit, n=getattr(offset, unit))
            for unit in UNITS
            if getattr(offset, unit)
        ]
        return f" {self('and')} ".join(parts)

    def window(self, window: Window) -> str:
        if window.unbounded:
            return self("window_any")
        if window.ending.zero:
            return self("window", length=self.length(window.length))
        if window.length.zero:
            return self("window_ending", ending=self.length(window.ending))
        return self(
            "window_between",
            length=self.length(window.length),
            ending=self.length(window.ending),
        )

    def codes(self, codes: CodeSet) -> str:
        patterns = ", ".join(f"`{p}`" for p in codes.include)
        if codes.exclude:
            patterns += f" {self('exclude')} " + ", ".join(f"`{p}`" for p in codes.exclude)
        if codes.name:
            patterns = f"{codes.system.name}: {patterns}"
            return self("code_set_ref", name=codes.name, patterns=patterns)
        return patterns

    def condition(self, extract: str, condition: Condition) -> str:
        ops = _OPERATORS[self.lang]
        column = f"`{extract}.{condition.column}`"
        value = condition.value
        if isinstance(value, CodeSet):
            op = (
                ops["in_set" if condition.op == "in" else "not_in_set"]
                if value.name
                else ops[condition.op]
            )
            return f"{column} {op} {self.codes(value)}"
        if value is None:
            return f"{column} {ops[condition.op]}"
        if isinstance(value, list | tuple):
            shown = ", ".join(f"`{v}`" for v in value)
        elif isinstance(value, bool):
            shown = f"`{str(value).lower()}`"
        else:
            shown = f"`{value}`"
        numeric = " (nombre)" if condition.numeric and self.lang == "fr" else ""
        numeric = " (as a number)" if condition.numeric and self.lang == "en" else numeric
        return f"{column}{numeric} {ops[condition.op]} {shown}"

    def conditions(self, extract: str, conditions: tuple[Condition, ...], combine: str) -> str:
        joined = f" {self('and' if combine == 'all' else 'or')} "
        return joined.join(self.condition(extract, c) for c in conditions)

    def where(self, extract: str, conditions: tuple[Condition, ...]) -> str:
        if not conditions:
            return ""
        return self("where", conditions=self.conditions(extract, conditions, "all"))

    def record(self, extract: str) -> str:
        return _RECORDS[self.lang].get(extract, extract)

    def analyte(self, name: str) -> str:
        if self.lang == "fr":
            return _ANALYTES_FR.get(name, name)
        return _ANALYTES_EN.get(name, name.replace("_", " "))

    def overlap(self, rule: RecordCountRule) -> str:
        if not rule.overlap:
            return ""
        if rule.missing_end_lasts is None:
            return self("overlap") + self("overlap_open")
        return self("overlap") + self("overlap_lasts", length=self.length(rule.missing_end_lasts))

    def bounds(self, at_least: int | None, at_most: int | None) -> str:
        if at_least is not None and at_most is not None:
            return self("bounds_between", low=at_least, high=at_most)
        if at_least is not None:
            return self("bounds_ge", n=at_least)
        return self("bounds_le", n=at_most)

    def edge(self, edge: Edge) -> str:
        if edge.offset.zero:
            return self("edge_zero")
        return self(f"edge_{edge.side}", length=self.length(edge.offset))

    def course(self, course: CourseSpec) -> dict[str, Any]:
        return {
            "codes": self.codes(course.atc_codes),
            "gap": course.course_gap_days,
            "course": course.course,
        }

    def rule(self, rule: object) -> str:
        """The rule in one or two sentences, with its thresholds, units and windows."""
        if isinstance(rule, AliveRule):
            return self("alive")
        if isinstance(rule, AgeRule):
            parts = [self("age_min", n=rule.min_years)] if rule.min_years is not None else []
            parts += [self("age_max", n=rule.max_years)] if rule.max_years is not None else []
            text = f" {self('and')} ".join(parts)
            return text[0].upper() + text[1:] + "."
        if isinstance(rule, PatientAttributeRule):
            return self(
                "attribute", conditions=self.conditions("patients", rule.conditions, rule.combine)
            )
        if isinstance(rule, LatestRecordRule):
            return self(
                "latest_record",
                record=self.record(rule.extract),
                where=self.where(rule.extract, rule.where),
                window=self.window(rule.window),
                conditions=self.conditions(rule.extract, rule.conditions, rule.combine),
            )
        if isinstance(rule, LatestLabRule) and rule.uses_reference_range:
            values = {"analyte": self.analyte(rule.analyte), "window": self.window(rule.window)}
            if rule.relative_to is None:
                return self("latest_lab_wnl", **values)
            return self(
                "latest_lab_relative",
                op=_OPERATORS[self.lang][_COMPARATORS[rule.comparator]],
                multiple=_number(rule.threshold),
                limit=self(rule.relative_to),
                **values,
            )
        if isinstance(rule, LatestLabRule):
            canonical = f"{_number(rule.threshold)} {load_catalogue()[rule.analyte].unit}"
            threshold = rule.written or canonical
            if threshold != canonical:  # the unit results are compared in, shown too
                threshold += f" ({self('compared_as')} {canonical})"
            text = self(
                "latest_lab",
                analyte=self.analyte(rule.analyte),
                window=self.window(rule.window),
                op=_OPERATORS[self.lang][_COMPARATORS[rule.comparator]],
                threshold=threshold,
            )
            return f"{text} {self('qualified')}"
        if isinstance(rule, TreatmentCoursesRule):
            return self(
                "courses",
                op=self(f"count_{rule.op}"),
                count=rule.count,
                **self.course(rule.course),
            )
        if isinstance(rule, IntervalRule):
            values = {
                **self.course(rule.start),
                "at": self(rule.start_at),
                "record": self.record(rule.extract),
                "where": self.where(rule.extract, rule.where),
            }
            if rule.min_months is None:
                return self("interval_exists", **values)
            return self("interval_months", months=rule.min_months, **values)
        if isinstance(rule, LesionRule):
            return self(
                "lesions",
                where=self.where("imaging_studies", rule.study_where),
                window=self.window(rule.window),
                min_lesions=rule.min_lesions,
                min_measurable=rule.min_measurable,
                longest=_number(rule.min_longest_mm),
                node=_number(rule.min_node_short_axis_mm),
                node_lesion=_number(rule.min_node_lesion_short_axis_mm),
            )
        if isinstance(rule, ConfirmAtVisitRule):
            return self("confirm", note=rule.note)
        if isinstance(rule, RecordCountRule):
            return (
                self(
                    "record_count",
                    record=self.record(rule.extract),
                    where=self.where(rule.extract, rule.where),
                    window=self.window(rule.window),
                    bounds=self.bounds(rule.at_least, rule.at_most),
                )
                + (self("observed") if rule.observed else "")
                + self.overlap(rule)
            )
        if isinstance(rule, FirstRecordRule):
            conditions = (
                self(
                    "first_conditions",
                    conditions=self.conditions(rule.extract, rule.conditions, rule.combine),
                )
                if rule.conditions
                else ""
            )
            return self(
                "first_record",
                record=self.record(rule.extract),
                where=self.where(rule.extract, rule.where),
                window=self.window(rule.window),
                conditions=conditions,
            )
        if isinstance(rule, AroundEventRule):
            anchor = rule.anchor
            return self(
                "around_event",
                record=self.record(rule.extract),
                where=self.where(rule.extract, rule.where),
                start=self.edge(rule.start),
                end=self.edge(rule.end),
                anchor=self(
                    "anchor",
                    which=self(f"anchor_{anchor.record}"),
                    record=self.record(anchor.extract),
                    where=self.where(anchor.extract, anchor.where),
                ),
                bounds=self.bounds(rule.at_least, rule.at_most),
            )
        if isinstance(rule, DerivedMeasureRule):
            measure = rule.measure
            own = measure.inputs[:1] if measure.paired else measure.inputs
            inputs = f" {self('and')} ".join(
                self(
                    "derived_input",
                    analyte=self.analyte(analyte),
                    window=self.window(rule.window_of(analyte)),
                )
                for analyte in own
            )
            return self(
                f"derived_{measure.name}",
                window=self.window(rule.window),
                inputs=inputs,
                op=_OPERATORS[self.lang][_COMPARATORS[rule.comparator]],
                threshold=_number(rule.threshold),
            )
        if isinstance(rule, GroupRule):
            branches = " ".join(
                f"({number}) {self.rule(branch)}" for number, branch in enumerate(rule.rules, 1)
            )
            return f"{self(f'group_{rule.kind}')} {branches}"
        raise TypeError(f"no words for rule type {type(rule).__name__}")

    def absent(self, rule: object) -> str:
        code = getattr(rule, "when_absent", None)
        if code is None:
            return ""
        return self(f"status_{STATUS_NAMES[code]}")

    def data(self, rules: tuple[object, ...]) -> tuple[str, ...]:
        """Extract: columns, for the rule and its gates together."""
        reads: dict[str, set[str]] = {}
        for rule in rules:
            for extract, columns in rule_reads(rule).items():
                reads.setdefault(extract, set()).update(columns)
        return tuple(
            f"`{extract}`: " + ", ".join(f"`{c}`" for c in sorted(columns))
            for extract, columns in sorted(reads.items())
        )


def criterion_words(criterion: Criterion, lang: str) -> CriterionWords:
    """One criterion in words, in `lang` (en or fr)."""
    words = _Words(lang)
    return CriterionWords(
        id=criterion.id,
        order=criterion.order,
        kind=words(criterion.kind),
        protocol_item=criterion.protocol_item,
        text=criterion.text,
        rule=words.rule(criterion.rule),
        applies_when=tuple(words.rule(gate) for gate in criterion.applies_when),
        when_absent=words.absent(criterion.rule),
        to_confirm=criterion.to_confirm,
        data=words.data((criterion.rule, *criterion.applies_when)),
    )


def trial_words(trial: Trial, lang: str) -> list[CriterionWords]:
    """Every criterion of the trial in words, in protocol order."""
    return [criterion_words(criterion, lang) for criterion in trial.criteria]


def code_set_lines(trial: Trial, lang: str) -> list[tuple[str, str, str, str, str]]:
    """Per named code set: name, description, system, included and excluded patterns."""
    return [
        (
            name,
            code_set.description,
            code_set.system.describe(),
            ", ".join(f"`{p}`" for p in code_set.include),
            ", ".join(f"`{p}`" for p in code_set.exclude),
        )
        for name, code_set in sorted(trial.code_sets.items())
    ]


def phrases(lang: str) -> dict[str, str]:
    """The document's own labels in `lang`."""
    return _Words(lang).phrases
