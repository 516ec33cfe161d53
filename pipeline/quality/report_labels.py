"""The fixed words of dq/report.html in English and French, and the markup that lets the page
switch between them.

The review page has no run-level language: each reader's browser picks it (the choice saved by
the page's language button, else the browser's language), because the same report is read by a
French coordinator and an English-speaking sponsor. The data-quality report follows the same
rule with the same saved choice, so the two pages always speak the same language. The server
writes English text (what a page without script shows) and marks each fixed text with its key
and the values it holds; the page's script rewrites them from the dictionary embedded beside.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping

# A value for a text: the same in both languages, or per language (decimals differ).
Arg = str | int | Mapping[str, str]

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "switch_to": "Français",
        "heading": "Data quality — {title} — {as_of}",
        "intro": "Every rule of every extract, as validated by Great Expectations on this "
        "night's exports: counts only, no patient value or id.",
        "docs_link": "Great Expectations Data Docs",
        "review_link": "Review page",
        "rules_evaluated": "rules evaluated",
        "rules_failing": "rules failing",
        "rows_read": "rows read",
        "rows_set_aside": "rows set aside",
        "only_failing": "Show failing rules only",
        "footer": "Rows failing: rows a rule found at fault (a row may fail several rules). "
        "Set aside: rows quarantined under this rule (the first failing rule wins). % failing: "
        "share of the rows checked, or of those with a value for value checks.",
        "reconciliation": "{read} rows read = {accepted} accepted + {quarantined} set aside + "
        "{duplicates} duplicates removed. {failing} of {rules} rules failing.",
        "volume": "Volume: {read} rows read, {compared}. A drop beyond 20\u202f% is reported, "
        "beyond 50\u202f% stops the run.",
        "volume_failing": "Failing: {detail}.",
        "no_previous": "no previous export of this trial: nothing to compare with",
        "previous": "previous export {rows} rows ({change})",
        "trend": "Last nights: rows failing a rule",
        "trend_title": "{extract}: rows failing a rule, last {n} nights",
        "trend_night": "{as_of}: {rows} rows failing, {failing} of {rules} rules failing",
        "unknown_codes": "Codes this run could not use: {codes} codes, {rows} rows",
        "col_column": "Column",
        "col_system": "Code system",
        "col_reason": "Reason",
        "col_code": "Code",
        "col_rows": "Rows",
        "more_codes": "and {n} more codes (dq/unknown_codes.parquet)",
        "col_result": "Result",
        "col_rule": "Rule (what fails it)",
        "col_dimension": "Dimension",
        "col_handling": "Handling",
        "col_checked": "Rows checked",
        "col_failing": "Rows failing",
        "col_share": "% failing",
        "col_set_aside": "Set aside by this rule",
        "share": "{share}",
        "passed": "passed",
        "failed": "failed",
        "handling_quarantine": "quarantine",
        "handling_stop": "stop",
        "handling_report": "report",
        "handling_remove": "remove",
        "handling_help_quarantine": "quarantine: failing rows are set aside with this rule's "
        "reason",
        "handling_help_stop": "stop: the run stops and publishes nothing",
        "handling_help_report": "report: counted here, nothing set aside",
        "handling_help_remove": "remove: exact duplicate rows removed once and counted",
        "dimension_completeness": "completeness",
        "dimension_conformance": "conformance",
        "dimension_plausibility": "plausibility",
        "dimension_relational": "relational",
        "dimension_uniqueness": "uniqueness",
        "dimension_volume": "volume",
        "builtin_exact_duplicate_rows_removed": "exact duplicate rows (every column equal) are "
        "removed once",
        "builtin_lab_codes_known_to_the_catalogue": "the lab test code is known to the lab "
        "catalogue",
        "builtin_lab_units_known": "the unit is one the lab catalogue lists for the test "
        "(codes below; the rows are set aside by the unit rule)",
        "builtin_source_codes_mapped": "the source's code maps to a code of the contract "
        "(codes below; the rows are set aside by the completeness rule)",
    },
    "fr": {
        "switch_to": "English",
        "heading": "Qualité des données — {title} — {as_of}",
        "intro": "Chaque règle de chaque extraction, telle que validée par Great Expectations "
        "sur les extractions de cette nuit : des comptes seulement, aucune valeur ni aucun "
        "identifiant de patient.",
        "docs_link": "Great Expectations Data Docs",
        "review_link": "Page de revue",
        "rules_evaluated": "règles évaluées",
        "rules_failing": "règles en échec",
        "rows_read": "lignes lues",
        "rows_set_aside": "lignes mises de côté",
        "only_failing": "N'afficher que les règles en échec",
        "footer": "Lignes en échec : lignes qu'une règle a trouvées en défaut (une ligne peut "
        "échouer à plusieurs règles). Mises de côté : lignes mises en quarantaine par cette "
        "règle (la première règle en échec l'emporte). % en échec : part des lignes "
        "contrôlées, ou de celles qui ont une valeur pour les contrôles de valeur.",
        "reconciliation": "{read} lignes lues = {accepted} acceptées + {quarantined} mises de "
        "côté + {duplicates} doublons retirés. {failing} règles en échec sur {rules}.",
        "volume": "Volume : {read} lignes lues, {compared}. Une baisse de plus de 20\u202f% est "
        "signalée, de plus de 50\u202f% arrête l'exécution.",
        "volume_failing": "En échec : {detail}.",
        "no_previous": "aucune extraction antérieure de cet essai : rien à comparer",
        "previous": "extraction précédente {rows} lignes ({change})",
        "trend": "Dernières nuits : lignes en échec d'une règle",
        "trend_title": "{extract} : lignes en échec d'une règle, {n} dernières nuits",
        "trend_night": "{as_of} : {rows} lignes en échec, {failing} règles en échec sur {rules}",
        "unknown_codes": "Codes que ce criblage n'a pas pu utiliser : {codes} codes, {rows} lignes",
        "col_column": "Colonne",
        "col_system": "Système de codes",
        "col_reason": "Raison",
        "col_code": "Code",
        "col_rows": "Lignes",
        "more_codes": "et {n} autres codes (dq/unknown_codes.parquet)",
        "col_result": "Résultat",
        "col_rule": "Règle (ce qui la met en échec)",
        "col_dimension": "Dimension",
        "col_handling": "Traitement",
        "col_checked": "Lignes contrôlées",
        "col_failing": "Lignes en échec",
        "col_share": "% en échec",
        "col_set_aside": "Mises de côté par cette règle",
        "share": "{share}",
        "passed": "conforme",
        "failed": "en échec",
        "handling_quarantine": "quarantaine",
        "handling_stop": "arrêt",
        "handling_report": "signalement",
        "handling_remove": "suppression",
        "handling_help_quarantine": "quarantaine : les lignes en échec sont mises de côté avec "
        "le motif de cette règle",
        "handling_help_stop": "arrêt : l'exécution s'arrête et ne publie rien",
        "handling_help_report": "signalement : compté ici, rien n'est mis de côté",
        "handling_help_remove": "suppression : les lignes en double exact sont retirées une "
        "fois et comptées",
        "dimension_completeness": "complétude",
        "dimension_conformance": "conformité",
        "dimension_plausibility": "plausibilité",
        "dimension_relational": "cohérence relationnelle",
        "dimension_uniqueness": "unicité",
        "dimension_volume": "volume",
        "builtin_exact_duplicate_rows_removed": "les lignes en double exact (toutes les "
        "colonnes égales) sont retirées une fois",
        "builtin_lab_codes_known_to_the_catalogue": "le code d'analyse est connu du catalogue "
        "de biologie",
        "builtin_lab_units_known": "l'unité est l'une de celles que le catalogue de biologie "
        "prévoit pour l'analyse (codes ci-dessous ; les lignes sont écartées par la règle "
        "d'unité)",
        "builtin_source_codes_mapped": "le code de la source correspond à un code du contrat "
        "(codes ci-dessous ; les lignes sont écartées par la règle de complétude)",
    },
}


def has(key: str) -> bool:
    return key in LABELS["en"]


def text(key: str, lang: str, args: Mapping[str, Arg] | None = None) -> str:
    """The text in `lang` with its values filled in (plain text, not escaped); the page's
    script fills the templates the same way."""
    out = LABELS[lang][key]
    for name, value in (args or {}).items():
        shown = value[lang] if isinstance(value, Mapping) else str(value)
        out = out.replace("{" + name + "}", shown)
    return out


def english(key: str, args: Mapping[str, Arg] | None = None) -> str:
    return text(key, "en", args)


def marked(key: str, tag: str = "span", args: Mapping[str, Arg] | None = None, **attrs: str) -> str:
    """`<tag data-i18n=key data-args=...>English text</tag>`: the page's script rewrites it in
    the reader's language. Every piece is escaped."""
    extra = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{html.escape(v)}"' for name, v in attrs.items()
    )
    values = (
        f' data-args="{html.escape(json.dumps(args, ensure_ascii=False, sort_keys=True))}"'
        if args
        else ""
    )
    return f'<{tag} data-i18n="{key}"{values}{extra}>{html.escape(english(key, args))}</{tag}>'


def labels_json() -> str:
    """Both dictionaries as JSON safe inside a <script type="application/json"> block."""
    text = json.dumps(LABELS, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
