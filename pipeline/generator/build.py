"""Synthesising each extract's records from the patients' variants (vectorised, no row loop).

Dates are relative to the as-of date A. Only the records a variant plants fall inside the
criteria windows; background records (older labs, past imaging, earlier boards) are placed
outside them so they can never change an expected status.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.generator.variants import GROUPS, HCG_VARIANTS, PROFILES

DAY = np.timedelta64(1, "D")
LUTATHERA = "V10XX04"
BACKGROUND_ANALYTES = {
    # LOINC: (unit, low, high, decimals)
    "2160-0": ("µmol/L", 45, 130, 0),
    "1742-6": ("UI/L", 8, 60, 0),
    "1920-8": ("UI/L", 10, 50, 0),
    "1975-2": ("µmol/L", 3, 25, 0),
    "1751-7": ("g/L", 32, 48, 1),
    "9811-1": ("µg/L", 20, 900, 0),
}
FAMILY = [
    "Martin",
    "Lefèvre",
    "Dubois",
    "Noël",
    "Girard",
    "Mercier",
    "Boucher",
    "Cœur",
    "Bernard",
    "Fournier",
    "Lambert",
    "Rousseau",
    "Faure",
    "André",
    "Gauthier",
]
GIVEN = [
    "Hélène",
    "François",
    "Chloé",
    "Jérôme",
    "Anaïs",
    "Loïc",
    "Marie",
    "Pierre",
    "Émilie",
    "Noémie",
    "Jean",
    "Zoé",
    "Thérèse",
    "Gaël",
    "Inès",
]


@dataclass
class Records:
    """Column arrays of one extract, appended block by block."""

    blocks: list[dict[str, object]] = field(default_factory=list)

    def add(self, **columns: object) -> None:
        arrays = (np.ndarray, pd.Series, pa.Array)
        lengths = {len(v) for v in columns.values() if isinstance(v, arrays)}
        n = lengths.pop() if lengths else 0
        if n == 0:
            return
        self.blocks.append(
            {k: (v if isinstance(v, arrays) else np.full(n, v)) for k, v in columns.items()}
        )

    def frame(self) -> pd.DataFrame:
        parts = [pd.DataFrame({k: _column(v) for k, v in b.items()}) for b in self.blocks]
        return pd.concat(parts, ignore_index=True)


def _column(values: object) -> object:
    """A block column for pandas: Arrow text stays Arrow (no Python strings at 50M rows)."""
    if isinstance(values, pa.Array):
        return pd.Series(pd.arrays.ArrowStringArray(values.cast(pa.large_string())), dtype="str")
    return np.asarray(values)


def _int_text(values: np.ndarray) -> pa.Array:
    """Integers as text, as `values.astype(str)` writes them."""
    return pc.cast(pa.array(values.astype("int64")), pa.string())


def _decimal_text(values: np.ndarray) -> pa.Array:
    """Floats with a comma decimal mark, as `np.char.replace(values.astype(str), ".", ",")`
    writes them (shortest round-trip digits; `45.0`, never `45`). Values are plain decimals
    (no exponent) in the generator's ranges."""
    text = pc.cast(pa.array(values.astype("float64")), pa.string())
    whole = pc.invert(pc.match_substring(text, "."))
    text = pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text)
    return pc.replace_substring(text, ".", ",")


class Synth:
    """Shared state for one hospital: patients, their variants, the as-of date, the rng."""

    def __init__(
        self,
        variants: dict[str, np.ndarray],
        as_of: str,
        rng: np.random.Generator,
        background_labs: float,
    ) -> None:
        self.v = {g: np.asarray(list(GROUPS[g]))[variants[g]] for g in GROUPS}
        self.profile_index = variants["profile"]
        self.hcg = np.asarray(list(HCG_VARIANTS))[variants["hcg"]]
        self.n = len(variants["profile"])
        self.rng = rng
        self.A = np.datetime64(as_of, "D")
        self.as_of = pd.Timestamp(as_of)
        self.background_labs = background_labs
        ids = rng.choice(900_000_000, size=self.n, replace=False) + 100_000_000
        self.pid = np.char.add("IPP", ids.astype(str))
        self.pid_text = pa.array(self.pid)

    # -- helpers -----------------------------------------------------------------------------
    def days_ago(self, low: int, high: int, size: int) -> np.ndarray:
        """Dates A-high .. A-low days (inclusive)."""
        return self.A - self.rng.integers(low, high + 1, size=size) * DAY

    def months_before(self, months: int, mask: np.ndarray) -> np.ndarray:
        shifted = self.as_of - pd.DateOffset(months=months)
        return np.full(int(mask.sum()), np.datetime64(shifted.date(), "D"))

    def with_time(self, dates: np.ndarray) -> np.ndarray:
        minutes = self.rng.integers(6 * 60, 20 * 60, size=len(dates))
        return dates.astype("datetime64[m]") + minutes * np.timedelta64(1, "m")

    def is_(self, group: str, *names: str) -> np.ndarray:
        return np.isin(self.v[group], names)

    # -- extracts ----------------------------------------------------------------------------
    def patients(self) -> pd.DataFrame:
        rng, n = self.rng, self.n
        age_days = rng.integers(30 * 365, 85 * 365, size=n)
        birth = self.A - age_days * DAY
        age = self.v["age"]
        eighteen = np.datetime64((self.as_of - pd.DateOffset(years=18)).date(), "D")
        birth[age == "eighteen_today"] = eighteen
        birth[age == "eighteen_tomorrow"] = eighteen + DAY
        birth[age == "sixteen"] = eighteen + 2 * 365 * DAY
        sex, potential = self.profile_field(0), self.profile_field(1)
        social = np.where(
            self.is_("social", "not_affiliated"),
            "N",
            np.where(self.is_("social", "not_recorded"), "", "O"),
        )
        return pd.DataFrame(
            {
                "IPP": self.pid,
                "NOM": np.asarray(FAMILY)[rng.integers(0, len(FAMILY), n)],
                "PRENOM": np.asarray(GIVEN)[rng.integers(0, len(GIVEN), n)],
                "DATE_NAISSANCE": pd.Series(birth).where(age != "birth_date_missing"),
                "SEXE": sex,
                "DATE_DECES": self.death_dates(),
                "AFFILIATION_SS": social,
                "POTENTIEL_PROCREATION": potential,
            }
        )

    def death_dates(self) -> pd.Series:
        """Dead on the as-of day (not eligible), or 20 days after it (alive that night: a
        backfill); nobody else has a death date."""
        vital = self.v["vital"]
        death = pd.Series(pd.NaT, index=range(self.n), dtype="datetime64[s]")
        death[vital == "died_on_as_of"] = self.as_of
        death[vital == "died_after_as_of"] = self.as_of + pd.Timedelta(days=20)
        return death

    def profile_field(self, position: int) -> np.ndarray:
        """One field of each patient's reproductive profile (see variants.PROFILES)."""
        return np.asarray([p[position] for p in PROFILES.values()])[self.profile_index]

    def pathology(self) -> pd.DataFrame:
        rec = Records()
        v = self.v["histology"]
        has = v != "no_report"
        n = int(has.sum())
        topo = self.rng.choice(
            ["C17.0", "C17.1", "C17.2", "C17.9", "C18.0", "C18.1", "C18.7", "C20.9"], size=n
        )
        grade = self.rng.choice(["G1", "G2"], size=n)
        morph = np.where(grade == "G1", "8240/3", "8249/3")
        ki67 = np.where(
            grade == "G1", self.rng.uniform(0.5, 2.9, n), self.rng.uniform(3, 19.5, n)
        ).round(1)
        sub = v[has]
        topo[sub == "pancreas"] = "C25.4"
        grade[sub == "grade_3"] = "G3"
        ki67[sub == "grade_3"] = 35.0
        grade = np.where(sub == "grade_missing", "", grade)
        ki67 = np.where(sub == "grade_missing", np.nan, ki67)
        rec.add(
            IPP=self.pid[has],
            DATE_CR=self.days_ago(2000, 3000, n),
            TOPOGRAPHIE=topo,
            MORPHOLOGIE=morph,
            GRADE=grade,
            KI67=ki67,
        )
        older = v == "older_g3_newer_g2"
        m = int(older.sum())
        rec.add(
            IPP=self.pid[older],
            DATE_CR=self.days_ago(3100, 3600, m),
            TOPOGRAPHIE="C17.1",
            MORPHOLOGIE="8249/3",
            GRADE="G3",
            KI67=np.full(m, 30.0),
        )
        return rec.frame()

    def prrt_dates(self) -> dict[str, np.ndarray]:
        """First-course start S, end E and progression date P per patient (NaT if none)."""
        start = self.A - self.rng.integers(36 * 30, 72 * 30, size=self.n) * DAY
        v = self.v["prrt"]
        cycles = np.where(v == "three_cycles", 3, 4)
        end = start + (cycles - 1) * 56 * DAY
        months = self.rng.integers(13, 21, size=self.n)
        months[v == "control_8_months"] = 8
        months[np.isin(v, ["control_exactly_12_months", "control_12_months_less_a_day"])] = 12
        progression = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[D]")
        for m in np.unique(months):  # one vectorised calendar shift per distinct month count
            rows = months == m
            shifted = pd.Series(end[rows]) + pd.DateOffset(months=int(m))
            progression[rows] = shifted.to_numpy().astype("datetime64[D]")
        progression[v == "control_12_months_less_a_day"] -= DAY
        progression[np.isin(v, ["no_progression", "no_prrt"])] = np.datetime64("NaT")
        progression[v == "progression_after_as_of"] = self.A + 3 * DAY
        return {"start": start, "end": end, "cycles": cycles, "progression": progression}

    def treatments(self, prrt: dict[str, np.ndarray]) -> pd.DataFrame:
        rec = Records()
        treated = self.v["prrt"] != "no_prrt"
        for cycle in range(4):
            rows = treated & (prrt["cycles"] > cycle)
            k = int(rows.sum())
            rec.add(
                IPP=self.pid[rows],
                CODE_ATC=LUTATHERA,
                DATE_ADMINISTRATION=prrt["start"][rows] + cycle * 56 * DAY,
                ACTIVITE_MBQ=self.rng.normal(7400, 150, k).round(0),
            )
        second = self.v["prrt"] == "with_second_course"
        for cycle in range(2):
            k = int(second.sum())
            rec.add(
                IPP=self.pid[second],
                CODE_ATC=LUTATHERA,
                DATE_ADMINISTRATION=prrt["progression"][second] + (60 + cycle * 56) * DAY,
                ACTIVITE_MBQ=self.rng.normal(7400, 150, k).round(0),
            )
        # Background: somatostatin analogues (lanreotide, octreotide) long before PRRT.
        k = self.n
        rec.add(
            IPP=self.pid,
            CODE_ATC=self.rng.choice(["H01CB03", "H01CB02"], size=k),
            DATE_ADMINISTRATION=prrt["start"] - self.rng.integers(60, 700, k) * DAY,
            ACTIVITE_MBQ=np.full(k, np.nan),
        )
        return rec.frame()

    def imaging(self, prrt: dict[str, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
        studies = Records()
        n, rng = self.n, self.rng
        # Baseline SSTR PET before the first PRRT: long outside any window.
        studies.add(
            IPP=self.pid,
            DATE_EXAMEN=prrt["start"] - rng.integers(20, 60, n) * DAY,
            MODALITE="TEP",
            TRACEUR="68Ga-DOTATATE",
            POURCENTAGE_SSTR=rng.uniform(90, 100, n).round(1),
            FIXATION_VS_FOIE="SUP",
            SCORE_KRENNING=np.full(n, 3.0),
            REPONSE_RECIST="",
            KIND="old_sstr",
        )
        # Progression CT (first PD after the first course).
        has_pd = ~np.isnat(prrt["progression"])
        k = int(has_pd.sum())
        studies.add(
            IPP=self.pid[has_pd],
            DATE_EXAMEN=prrt["progression"][has_pd],
            MODALITE="TDM",
            TRACEUR="",
            POURCENTAGE_SSTR=np.full(k, np.nan),
            FIXATION_VS_FOIE="",
            SCORE_KRENNING=np.full(k, np.nan),
            REPONSE_RECIST="PM",
            KIND="progression",
        )
        # Recent SSTR study per variant.
        sv = self.v["sstr"]
        recent = sv != "no_study"
        dates = self.days_ago(1, 100, n)
        dates[sv == "exactly_4_months"] = self.months_before(4, sv == "exactly_4_months")
        day_more = sv == "4_months_and_a_day"
        dates[day_more] = self.months_before(4, day_more) - DAY
        percent = rng.uniform(91, 100, n).round(1)
        percent[sv == "exactly_90_percent"] = 90.0
        percent[sv == "85_percent"] = 85.0
        uptake = np.where(sv == "uptake_below_liver", "INF", rng.choice(["SUP", "EGAL"], n))
        scinti = sv == "scintigraphy"
        studies.add(
            IPP=self.pid[recent],
            DATE_EXAMEN=dates[recent],
            MODALITE=np.where(scinti, "SCINTIGRAPHIE", "TEP")[recent],
            TRACEUR=np.where(
                scinti, "111In-pentetreotide", rng.choice(["68Ga-DOTATATE", "68Ga-DOTATOC"], n)
            )[recent],
            POURCENTAGE_SSTR=percent[recent],
            FIXATION_VS_FOIE=uptake[recent],
            SCORE_KRENNING=np.where(uptake == "INF", 1.0, 3.0)[recent],
            REPONSE_RECIST="",
            KIND="recent_sstr",
        )
        # Baseline CT/MRI with lesions: recent, or just outside the 4-month window.
        lv = self.v["lesions"]
        ct_dates = self.days_ago(5, 40, n)
        stale = lv == "no_recent_ct"
        ct_dates[stale] = self.months_before(4, stale) - rng.integers(1, 40, int(stale.sum())) * DAY
        pd_before = has_pd & (prrt["progression"] <= self.A)
        studies.add(
            IPP=self.pid,
            DATE_EXAMEN=ct_dates,
            MODALITE=rng.choice(["TDM", "IRM"], n, p=[0.8, 0.2]),
            TRACEUR="",
            POURCENTAGE_SSTR=np.full(n, np.nan),
            FIXATION_VS_FOIE="",
            SCORE_KRENNING=np.full(n, np.nan),
            REPONSE_RECIST=np.where(pd_before, "PM", "MS"),
            KIND="baseline_ct",
            LESIONS=lv,
        )
        frame = studies.frame()
        return frame, self._lesions(frame)

    def _lesions(self, studies: pd.DataFrame) -> pd.DataFrame:
        base = studies[studies["KIND"] == "baseline_ct"]
        # variant -> list of (is_node, longest, short)
        layouts = {
            "ok": [("N", 25.3, 14.0), ("N", 14.2, 9.0), ("O", 22.0, 18.0)],
            "exactly_10_mm": [("N", 10.0, 6.0), ("N", 7.0, 5.0)],
            "node_15_mm": [("O", 20.0, 15.0), ("N", 6.0, 4.0)],
            "single_lesion": [("N", 30.0, 20.0)],
            "largest_9_9_mm": [("N", 9.9, 6.0), ("N", 8.0, 5.0)],
            "node_14_9_mm": [("O", 19.0, 14.9), ("N", 6.0, 4.0)],
            "no_recent_ct": [("N", 25.0, 15.0), ("N", 12.0, 8.0)],
            "normal_node_9_9_mm": [("N", 25.0, 15.0), ("O", 12.0, 9.9)],
            "pathological_node_10_mm": [("N", 25.0, 15.0), ("O", 12.0, 10.0)],
            "node_without_short_axis": [("N", 25.0, 15.0), ("O", 18.0, np.nan)],
            "small_lesion_9_9_mm_counts": [("N", 25.0, 15.0), ("N", 9.9, 6.0)],
        }
        rec = Records()
        for variant, layout in layouts.items():
            rows = base[base["LESIONS"] == variant]
            for node, longest, short in layout:
                rec.add(
                    STUDY_ROW=rows.index.to_numpy(),
                    IPP=rows["IPP"].to_numpy(),
                    GANGLION=node,
                    GRAND_AXE_MM=np.full(len(rows), longest),
                    PETIT_AXE_MM=np.full(len(rows), short),
                )
        return rec.frame()

    def labs(self) -> pd.DataFrame:
        rec = Records()
        self._marrow_labs(rec)
        self._hcg_labs(rec)
        self._background_labs(rec)
        return rec.frame()

    def _lab(
        self,
        rec: Records,
        rows: np.ndarray,
        loinc: str,
        value: object,
        unit: object,
        dates: np.ndarray,
    ) -> None:
        k = int(rows.sum())
        if k == 0:
            return
        values = value[rows] if isinstance(value, np.ndarray) else np.full(k, value)
        units = unit[rows] if isinstance(unit, np.ndarray) else np.full(k, unit)
        rec.add(
            IPP=self.pid[rows],
            CODE_LOINC=loinc,
            RESULTAT=values.astype(str),
            UNITE=units.astype(str),
            DATE_PRELEVEMENT=self.with_time(dates[rows]),
        )

    def _marrow_labs(self, rec: Records) -> None:
        n, rng = self.n, self.rng
        recent = self.days_ago(0, 25, n)
        # Haemoglobin: eligible values in a random unit system.
        hb = rng.uniform(9.5, 15.5, n)
        system = rng.integers(0, 3, n)
        hb_unit = np.array(["g/dL", "g/L", "mmol/L"])[system]
        hb_text = np.where(
            system == 0,
            np.char.replace(np.round(hb, 1).astype(str), ".", ","),
            np.where(
                system == 1,
                np.round(hb * 10).astype(int).astype(str),
                np.char.replace(np.round(hb / 1.6114, 2).astype(str), ".", ","),
            ),
        )
        g = "haemoglobin"
        special = {
            "8_1_g_dl": ("8,1", "g/dL"),
            "mmol_l": ("6,8", "mmol/L"),
            "exactly_8_g_dl": ("8", "g/dL"),
            "exactly_80_g_l": ("80", "g/L"),
            "7_2_g_dl": ("7,2", "g/dL"),
            "below_9_qualified": ("<9", "g/dL"),
            "unknown_unit": ("12,1", "g%"),
        }
        for variant, (text, unit) in special.items():
            rows = self.v[g] == variant
            hb_text[rows], hb_unit[rows] = text, unit
        main = ~self.is_(g, "none_in_28_days")
        self._lab(rec, main, "718-7", hb_text, hb_unit, recent)
        older_low = self.is_(g, "newer_ok_after_older_low")
        self._lab(rec, older_low, "718-7", "7,1", "g/dL", self.days_ago(26, 28, n))
        after = self.is_(g, "low_after_as_of")
        self._lab(rec, after, "718-7", "6,5", "g/dL", self.A + rng.integers(1, 6, n) * DAY)
        # Neutrophils and platelets.
        self._cell_count(
            rec,
            "neutrophils",
            "751-8",
            rng.uniform(2.0, 6.5, n),
            recent,
            {
                "exactly_1500_mm3": ("1500", "/mm3"),
                "exactly_1_5_g_l": ("1,5", "G/L"),
                "1499_mm3": ("1499", "/mm3"),
                "1_2_g_l": ("1,2", "G/L"),
                "below_1_g_l_qualified": ("<1", "G/L"),
            },
        )
        self._cell_count(
            rec,
            "platelets",
            "777-3",
            rng.uniform(150, 400, n),
            recent,
            {
                "exactly_80000_mm3": ("80000", "/mm3"),
                "exactly_80_g_l": ("80", "G/L"),
                "above_500_qualified": (">500", "10^9/L"),
                "79_9_g_l": ("79,9", "G/L"),
                "60_g_l": ("60", "G/L"),
            },
        )

    def _cell_count(
        self,
        rec: Records,
        group: str,
        loinc: str,
        giga: np.ndarray,
        dates: np.ndarray,
        special: dict[str, tuple[str, str]],
    ) -> None:
        system = self.rng.integers(0, 4, self.n)
        unit = np.array(["/mm3", "G/L", "10*9/L", "10^3/µL"])[system]
        text = np.where(
            system == 0,
            np.round(giga * 1000).astype(int).astype(str),
            np.char.replace(np.round(giga, 2).astype(str), ".", ","),
        )
        for variant, (value, u) in special.items():
            rows = self.v[group] == variant
            text[rows], unit[rows] = value, u
        self._lab(rec, ~self.is_(group, "none_in_28_days"), loinc, text, unit, dates)

    def _hcg_labs(self, rec: Records) -> None:
        applies = self.profile_field(3).astype(bool)
        n = self.n
        plan = {
            "negative_yesterday": ("<2", "mUI/mL", 1),
            "negative_4_days_old": ("1", "UI/L", 4),
            "negative_5_days_old": ("1", "UI/L", 5),
            "positive": ("150", "UI/L", 2),
        }
        for variant, (value, unit, age) in plan.items():
            rows = applies & (self.hcg == variant)
            self._lab(rec, rows, "21198-7", value, unit, np.full(n, self.A - age * DAY))

    def _background_labs(self, rec: Records) -> None:
        """Tens of routine results per patient, and older blood counts outside the window."""
        rng = self.rng
        counts = rng.poisson(self.background_labs, self.n)
        owner = np.repeat(np.arange(self.n), counts)
        total = len(owner)
        codes = np.asarray(list(BACKGROUND_ANALYTES))
        which = rng.integers(0, len(codes), total)
        specs = np.asarray(list(BACKGROUND_ANALYTES.values()), dtype=object)
        low = np.array([s[1] for s in specs], dtype=float)[which]
        high = np.array([s[2] for s in specs], dtype=float)[which]
        units = pa.array([s[0] for s in specs]).take(pa.array(which))
        decimals = np.array([s[3] for s in specs])[which]
        values = rng.uniform(low, high)
        # Text built with Arrow: numpy unicode arrays of 50M rows would take tens of GB.
        text = pc.if_else(
            pa.array(decimals == 0),
            _int_text(np.round(values).astype(int)),
            _decimal_text(np.round(values, 1)),
        )
        del values, low, high
        dates = self.A - rng.integers(-5, 1000, total) * DAY  # a few after the as-of date
        # ...but none after a death on the as-of day: that would be an implausible row.
        died = (self.v["vital"] == "died_on_as_of")[owner]
        dates[died] = np.minimum(dates[died], self.A)
        rec.add(
            IPP=self.pid_text.take(pa.array(owner)),
            CODE_LOINC=pa.array(codes).take(pa.array(which)),
            RESULTAT=text,
            UNITE=units,
            DATE_PRELEVEMENT=self.with_time(dates),
        )
        # Older blood counts (30 days or more before the as-of date: outside the 28-day window).
        for loinc, unit, lo, hi in (
            ("718-7", "g/dL", 6.0, 15.0),
            ("751-8", "G/L", 0.8, 6.0),
            ("777-3", "G/L", 40, 400),
        ):
            owner = np.repeat(np.arange(self.n), rng.poisson(2, self.n))
            k = len(owner)
            rec.add(
                IPP=self.pid_text.take(pa.array(owner)),
                CODE_LOINC=loinc,
                RESULTAT=_decimal_text(np.round(rng.uniform(lo, hi, k), 1)),
                UNITE=unit,
                DATE_PRELEVEMENT=self.with_time(self.A - rng.integers(30, 900, k) * DAY),
            )

    def assessments(self) -> pd.DataFrame:
        rec = Records()
        n, rng = self.n, self.rng
        ev = self.v["ecog"]
        ecog = rng.integers(0, 3, n).astype(str)
        ecog[ev == "ecog_2"] = "2"
        ecog[ev == "ecog_3"] = "3"
        dates = self.days_ago(0, 80, n)
        stale = ev == "older_than_3_months"
        dates[stale] = self.months_before(3, stale) - rng.integers(1, 30, int(stale.sum())) * DAY
        rows = ev != "not_recorded"
        rec.add(IPP=self.pid[rows], DATE_EVAL=dates[rows], TYPE_EVAL="OMS", VALEUR=ecog[rows])
        rec.add(
            IPP=self.pid,
            DATE_EVAL=self.days_ago(200, 900, n),
            TYPE_EVAL="OMS",
            VALEUR=rng.integers(0, 5, n).astype(str),
        )
        lv = self.v["life"]
        months = rng.integers(12, 61, n).astype(str)
        months[lv == "exactly_6_months"] = "6"
        months[lv == "four_months"] = "4"
        rows = lv != "not_recorded"
        rec.add(
            IPP=self.pid[rows],
            DATE_EVAL=self.days_ago(0, 80, n)[rows],
            TYPE_EVAL="ESPERANCE_VIE",
            VALEUR=months[rows],
        )
        status = self.profile_field(2)
        rows = status != ""
        rec.add(
            IPP=self.pid[rows],
            DATE_EVAL=self.days_ago(100, 2000, n)[rows],
            TYPE_EVAL="STATUT_MENOPAUSIQUE",
            VALEUR=status[rows],
        )
        return rec.frame()

    def tumour_board(self) -> pd.DataFrame:
        rec = Records()
        n, rng = self.n, self.rng
        bv = self.v["board"]
        dates = self.days_ago(5, 150, n)
        stale = bv == "older_than_6_months"
        dates[stale] = self.months_before(6, stale) - rng.integers(1, 60, int(stale.sum())) * DAY
        decision = np.where(bv == "surveillance", "SURVEILLANCE", "RETRAITEMENT_PRRT")
        scope = np.where(bv == "out_of_reimbursement_scope", "N", "O")
        rows = bv != "no_decision"
        rec.add(
            IPP=self.pid[rows],
            DATE_DECISION=dates[rows],
            INSTANCE=rng.choice(["RCP", "RENATEN"], n)[rows],
            DECISION=decision[rows],
            PRISE_EN_CHARGE=scope[rows],
        )
        later = bv == "later_decision_after_as_of"
        rec.add(
            IPP=self.pid[later],
            DATE_DECISION=np.full(int(later.sum()), self.A + 2 * DAY),
            INSTANCE="RCP",
            DECISION="SURVEILLANCE",
            PRISE_EN_CHARGE="O",
        )
        # Background: the first PRRT decision, years ago.
        rec.add(
            IPP=self.pid,
            DATE_DECISION=self.days_ago(1200, 2500, n),
            INSTANCE="RCP",
            DECISION="PRRT_INITIALE",
            PRISE_EN_CHARGE="O",
        )
        return rec.frame()
