"use strict";
// Renders review.html from the embedded JSON. Data only ever reaches the page through
// textContent / setAttribute (never innerHTML), so text from the records cannot become markup.
(function () {
  const DATA = JSON.parse(document.getElementById("review-data").textContent);

  const LABELS = {
    en: {
      switch_to: "Français", summary: "Overall status", attrition: "Attrition funnel",
      attrition_help: "Criteria in protocol order: patients still eligible after each criterion, and patients failing that criterion only.",
      lists: "Candidates and patients needing review", filter: "Filter by pseudonym",
      status_filter: "List", all_listed: "Candidates and needs review",
      lists_help: "Click a patient to see every criterion with its evidence and what remains to confirm.",
      col_pseudonym: "Pseudonym", col_status: "Status", col_unknown: "Unknown criteria",
      col_to_confirm: "To confirm at the inclusion visit", col_change: "Change",
      col_previous: "Previous status", col_current: "Current status", col_reason: "Reason",
      col_item: "Item", col_criterion: "Criterion", col_evidence: "Evidence",
      col_remains: "Remains to confirm", col_extract: "Extract", col_file: "File",
      col_read: "Rows read", col_accepted: "Accepted", col_quarantined: "Quarantined",
      col_duplicates: "Duplicates removed", changes: "Since last run", data_quality: "Data quality",
      dq_docs: "Great Expectations Data Docs (validation results of this run)",
      dq_report: "Data-quality report (every rule, rows failing, last nights)",
      dq_rules: "Rules that set rows aside", dq_rules_none: "No row was set aside.",
      col_rule: "Rule", col_set_aside: "Rows set aside",
      change_left_run: "Left the run (no longer in the exports)",
      chart_remaining: "Patients remaining after each criterion",
      chart_only: "Failing only this criterion", chart_screened: "Screened",
      footer: "Pseudonymised report: re-identification is done separately by authorised staff.",
      overall_candidate: "Candidate", overall_needs_review: "Needs review",
      overall_not_eligible: "Not eligible", total: "Patients screened",
      status_met: "met", status_not_met: "not met", status_unknown: "unknown",
      status_to_confirm: "to confirm", status_not_applicable: "not applicable",
      change_new_candidate: "New candidate", change_left_candidates: "Left the candidates",
      change_status_changed: "Status changed", none: "—", absent: "not screened",
      shown: "{n} of {m} patients match", show_more: "Show {n} more ({rest} not shown yet)", run_info: "Trial {trial} (version {version}) · as of {as_of}",
      no_previous: "No earlier report of this trial to compare with.",
      compared: "Compared with the report as of {date}:",
      no_changes: "no change in the lists.", recorded: "recorded",
      check_record: "Data missing or unusable: check the medical record",
      dq_headline: "{read} rows read in {k} extracts: {accepted} accepted, {quarantined} set aside (quarantined), {duplicates} duplicates removed.",
      unavailable_extract: "not available from this source",
      unavailable_columns: "not available from this source: {columns}",
      unavailable_headline: "Not available from this source (criteria reading them are unknown): {what}.",
      expand: "Show criteria", inclusion: "inclusion", exclusion: "exclusion",
      decision_contacted: "Contacted", decision_declined: "Declined",
      decision_enrolled: "Enrolled", decision_screen_failure: "Screen failure",
      export_csv: "Export this list (CSV)", col_decision: "Team decision",
      col_decision_date: "Decision date", csv_list: "list"
    },
    fr: {
      switch_to: "English", summary: "Statut global", attrition: "Entonnoir d'attrition",
      attrition_help: "Critères dans l'ordre du protocole : patients encore éligibles après chaque critère, et patients qui n'échouent qu'à ce critère.",
      lists: "Candidats et patients à revoir", filter: "Filtrer par pseudonyme",
      status_filter: "Liste", all_listed: "Candidats et à revoir",
      lists_help: "Cliquez sur un patient pour voir chaque critère, ses éléments de preuve et ce qu'il reste à confirmer.",
      col_pseudonym: "Pseudonyme", col_status: "Statut", col_unknown: "Critères inconnus",
      col_to_confirm: "À confirmer à la visite d'inclusion", col_change: "Changement",
      col_previous: "Statut précédent", col_current: "Statut actuel", col_reason: "Motif",
      col_item: "Item", col_criterion: "Critère", col_evidence: "Éléments de preuve",
      col_remains: "Reste à confirmer", col_extract: "Extraction", col_file: "Fichier",
      col_read: "Lignes lues", col_accepted: "Acceptées", col_quarantined: "En quarantaine",
      col_duplicates: "Doublons retirés", changes: "Depuis la dernière exécution",
      data_quality: "Qualité des données",
      dq_docs: "Great Expectations Data Docs (résultats de validation de cette exécution)",
      dq_report: "Rapport de qualité des données (chaque règle, lignes en échec, dernières nuits)",
      dq_rules: "Règles qui ont mis des lignes de côté", dq_rules_none: "Aucune ligne mise de côté.",
      col_rule: "Règle", col_set_aside: "Lignes mises de côté",
      change_left_run: "Sorti de l'exécution (absent des extractions)",
      chart_remaining: "Patients encore éligibles après chaque critère",
      chart_only: "Échouent à ce seul critère", chart_screened: "Examinés",
      footer: "Rapport pseudonymisé : la réidentification est faite à part par le personnel habilité.",
      overall_candidate: "Candidat", overall_needs_review: "À revoir",
      overall_not_eligible: "Non éligible", total: "Patients examinés",
      status_met: "rempli", status_not_met: "non rempli", status_unknown: "inconnu",
      status_to_confirm: "à confirmer", status_not_applicable: "non applicable",
      change_new_candidate: "Nouveau candidat", change_left_candidates: "Sorti des candidats",
      change_status_changed: "Statut modifié", none: "—", absent: "non examiné",
      shown: "{n} patients sur {m} correspondent", show_more: "Afficher {n} de plus ({rest} non affichés)", run_info: "Essai {trial} (version {version}) · au {as_of}",
      no_previous: "Aucun rapport antérieur de cet essai pour comparer.",
      compared: "Par rapport au rapport du {date} :",
      no_changes: "aucun changement dans les listes.", recorded: "saisi",
      check_record: "Donnée manquante ou inutilisable : vérifier le dossier médical",
      dq_headline: "{read} lignes lues dans {k} extractions : {accepted} acceptées, {quarantined} mises de côté (quarantaine), {duplicates} doublons retirés.",
      unavailable_extract: "non disponible dans cette source",
      unavailable_columns: "non disponible dans cette source : {columns}",
      unavailable_headline: "Non disponible dans cette source (les critères qui en dépendent sont inconnus) : {what}.",
      expand: "Voir les critères", inclusion: "inclusion", exclusion: "exclusion",
      decision_contacted: "Contacté", decision_declined: "A refusé",
      decision_enrolled: "Inclus", decision_screen_failure: "Échec de sélection",
      export_csv: "Exporter cette liste (CSV)", col_decision: "Décision de l'équipe",
      col_decision_date: "Date de la décision", csv_list: "liste"
    }
  };

  const P = DATA.patients;
  const E = DATA.evidence;
  const STATUSES = DATA.statuses;
  const N_PATIENTS = P.pseudonym.length;
  const PAGE = 500; // rows rendered at once: thousands of table rows make the page sluggish
  const state = { lang: "en", filter: "", list: "all", sortKey: "overall_status", sortDir: 1, limit: PAGE };
  let rowCache = new Map();
  const open = new Set();

  function initialLanguage() {
    try {
      const saved = window.localStorage.getItem("screening-review-lang");
      if (saved === "en" || saved === "fr") return saved;
    } catch (e) { /* file:// storage may be unavailable */ }
    return (navigator.language || "en").toLowerCase().startsWith("fr") ? "fr" : "en";
  }

  function t(key, values) {
    let text = LABELS[state.lang][key];
    if (text === undefined) text = LABELS.en[key] !== undefined ? LABELS.en[key] : key;
    if (values) {
      for (const name of Object.keys(values)) text = text.split("{" + name + "}").join(String(values[name]));
    }
    return text;
  }

  function num(n) {
    return Number(n).toLocaleString(state.lang === "fr" ? "fr-FR" : "en-GB");
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const name of Object.keys(attrs)) {
        if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, String(attrs[name]));
      }
    }
    for (const child of children || []) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" || typeof child === "number"
        ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function badge(kind, key) {
    return el("span", { "class": "badge " + kind }, [t(key)]);
  }

  function overallBadge(status) {
    return status ? badge(status, "overall_" + status) : el("span", { "class": "muted" }, [t("absent")]);
  }

  // ---- static labels, counts, data quality -------------------------------------------
  function applyLabels() {
    document.documentElement.lang = state.lang;
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    const toggle = document.getElementById("lang-toggle");
    toggle.textContent = t("switch_to");
    toggle.setAttribute("lang", state.lang === "fr" ? "en" : "fr");
    document.getElementById("run-info").textContent = t("run_info", {
      trial: DATA.trial.id, version: DATA.trial.version, as_of: DATA.as_of
    });
  }

  function renderCounts() {
    const ids = { candidate: "candidate-count", needs_review: "needs-review-count", not_eligible: "not-eligible-count" };
    const cards = [];
    for (const status of ["candidate", "needs_review", "not_eligible"]) {
      cards.push(el("div", { "class": "card " + status, "data-status": status }, [
        el("span", { "class": "n", id: ids[status] }, [num(DATA.counts[status])]),
        t("overall_" + status)
      ]));
    }
    cards.push(el("div", { "class": "card" }, [
      el("span", { "class": "n", id: "total-count" }, [num(DATA.total)]), t("total")
    ]));
    document.getElementById("status-counts").replaceChildren(...cards);
  }

  function renderDataQuality() {
    const rows = [];
    const sum = { read: 0, accepted: 0, quarantined: 0, duplicates: 0 };
    const missing = [];
    const names = Object.keys(DATA.extracts);
    for (const name of names) {
      const x = DATA.extracts[name];
      sum.read += x.rows_read || 0;
      sum.accepted += x.rows_accepted || 0;
      sum.quarantined += x.rows_quarantined || 0;
      sum.duplicates += x.duplicates_removed || 0;
      const columns = x.unavailable_columns || [];
      let file = x.file || "";
      if (x.unavailable) {
        file = t("unavailable_extract");
        missing.push(name);
      } else if (columns.length) {
        file += " (" + t("unavailable_columns", { columns: columns.join(", ") }) + ")";
        missing.push(...columns.map((c) => name + "." + c));
      }
      rows.push(el("tr", { "class": "dq-row", "data-extract": name }, [
        el("td", null, [name]), el("td", null, [file]),
        el("td", { "class": "num" }, [num(x.rows_read || 0)]),
        el("td", { "class": "num" }, [num(x.rows_accepted || 0)]),
        el("td", { "class": "num" }, [num(x.rows_quarantined || 0)]),
        el("td", { "class": "num" }, [num(x.duplicates_removed || 0)])
      ]));
    }
    document.getElementById("dq-rows").replaceChildren(...rows);
    const ruleRows = [];
    for (const name of names) {
      const rules = DATA.extracts[name].quarantine_rules || {};
      for (const rule of Object.keys(rules).sort()) {
        if (!rules[rule]) continue;
        ruleRows.push(el("tr", { "class": "dq-rule-row", "data-extract": name, "data-rule": rule }, [
          el("td", null, [name]),
          el("td", null, [(DATA.rule_texts || {})[rule] || rule, el("br"), el("span", { "class": "criterion-id" }, [rule])]),
          el("td", { "class": "num" }, [num(rules[rule])])
        ]));
      }
    }
    document.getElementById("dq-rule-rows").replaceChildren(...ruleRows);
    document.getElementById("dq-rules-table").hidden = ruleRows.length === 0;
    document.getElementById("dq-rules-none").hidden = ruleRows.length !== 0;
    document.getElementById("dq-headline").textContent = t("dq_headline", {
      read: num(sum.read), k: names.length, accepted: num(sum.accepted),
      quarantined: num(sum.quarantined), duplicates: num(sum.duplicates)
    }) + (missing.length ? " " + t("unavailable_headline", { what: missing.join(", ") }) : "");
  }

  // ---- since last run --------------------------------------------------------------------
  // A listed patient absent from this run left it: not a change of status.
  function changeKind(i) {
    const C = DATA.changes;
    return C.previous_status[i] && !C.current_status[i] ? "left_run" : C.change[i];
  }

  function renderChanges() {
    const C = DATA.changes;
    const summary = document.getElementById("changes-summary");
    const rows = [];
    if (!DATA.previous_as_of) {
      summary.textContent = t("no_previous");
    } else {
      const byKind = {};
      for (let i = 0; i < C.change.length; i++) byKind[changeKind(i)] = (byKind[changeKind(i)] || 0) + 1;
      const parts = ["new_candidate", "left_candidates", "status_changed", "left_run"]
        .filter((k) => byKind[k])
        .map((k) => t("change_" + k) + (state.lang === "fr" ? " : " : ": ") + num(byKind[k]));
      summary.textContent = t("compared", { date: DATA.previous_as_of }) + " " +
        (parts.length ? parts.join(" · ") : t("no_changes"));
      for (let i = 0; i < C.pseudonym.length; i++) {
        rows.push(el("tr", { "class": "change-row", "data-change": C.change[i], "data-kind": changeKind(i), "data-pseudonym": C.pseudonym[i] }, [
          el("td", { "class": "pseudonym" }, [C.pseudonym[i]]),
          el("td", null, [t("change_" + changeKind(i))]),
          el("td", null, [overallBadge(C.previous_status[i])]),
          el("td", null, [overallBadge(C.current_status[i])]),
          el("td", null, [C.reason[i] || ""])
        ]));
      }
    }
    document.getElementById("changes-rows").replaceChildren(...rows);
    document.getElementById("changes-table").hidden = rows.length === 0;
  }

  // ---- patient lists -----------------------------------------------------------------
  const CRITERION_BY_ID = new Map(DATA.criteria.map((c) => [c.id, c]));

  // Criteria named by their protocol text, one a line, cut to stay readable in a narrow
  // column (the whole text and the id are the line's tooltip).
  function criterionLabels(list) {
    return (list || []).map((id) => {
      const text = (CRITERION_BY_ID.get(id) || { text: id }).text.replace(/\s+/g, " ");
      const cut = text.length > 60 ? text.slice(0, 59).trimEnd() + "…" : text;
      return el("span", { "class": "criterion-list", "data-criterion": id, title: text + " (" + id + ")" }, [cut]);
    });
  }

  // The team's latest decision (screening feedback import), under the status.
  function decisionNote(i) {
    const decision = P.decision ? P.decision[i] : null;
    if (!decision) return null;
    return el("span", { "class": "decision", "data-decision": decision }, [
      t("decision_" + decision) + " · " + P.decision_date[i]
    ]);
  }

  function patientRow(i) {
    let row = rowCache.get(i);
    if (row) return row;
    const status = P.overall_status[i];
    row = el("tr", {
      "class": "patient-row", "data-index": i, "data-pseudonym": P.pseudonym[i],
      "data-status": status, "aria-expanded": open.has(i) ? "true" : "false"
    }, [
      el("td", null, [el("button", { "class": "toggle", type: "button", title: t("expand") }, [open.has(i) ? "▾" : "▸"])]),
      el("td", { "class": "pseudonym" }, [P.pseudonym[i]]),
      el("td", null, [badge(status, "overall_" + status), decisionNote(i)]),
      el("td", { "class": "num" }, [P.n_met[i]]),
      el("td", { "class": "num" }, [P.n_unknown[i]]),
      el("td", { "class": "num" }, [P.n_to_confirm[i]]),
      el("td", { "class": "num" }, [P.n_not_applicable[i]]),
      el("td", { "class": "unknown-list" }, criterionLabels(P.unknown_criteria[i])),
      el("td", { "class": "to-confirm-list" }, criterionLabels(P.to_confirm_criteria[i]))
    ]);
    rowCache.set(i, row);
    return row;
  }

  function dict(column, k) {
    const code = E[column][k];
    return code === null || code === undefined ? null : E.dict[column][code];
  }

  function formatValue(v) {
    if (v === null || v === undefined) return null;
    return Number(Number(v).toPrecision(6)).toLocaleString(state.lang === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 4 });
  }

  function evidenceCell(k) {
    const parts = [];
    const source = dict("source", k);
    const date = dict("date", k);
    const raw = dict("raw", k);
    const unit = dict("unit", k);
    const value = formatValue(E.value[k]);
    if (source) parts.push(el("span", { "class": "evidence-source" }, [source]));
    if (date) parts.push(el("span", { "class": "evidence-date" }, [date]));
    if (value !== null) parts.push(el("span", { "class": "evidence-value" }, [value + (unit ? " " + unit : "")]));
    if (raw !== null && (value === null || raw !== String(E.value[k]))) {
      parts.push(el("span", { "class": "evidence-raw muted" }, [t("recorded") + ": " + raw]));
    }
    const cell = el("td", { "class": "evidence" });
    parts.forEach((part, j) => {
      if (j) cell.appendChild(document.createTextNode(" · "));
      cell.appendChild(part);
    });
    return cell;
  }

  function remainsCell(criterion, status) {
    if (STATUSES[status] === "to_confirm") return el("td", { "class": "remains" }, [criterion.to_confirm || criterion.text]);
    if (STATUSES[status] === "unknown") return el("td", { "class": "remains muted" }, [t("check_record")]);
    return el("td", { "class": "remains" });
  }

  function detailRow(i) {
    const rows = [];
    for (let k = E.offsets[i]; k < E.offsets[i + 1]; k++) {
      const criterion = DATA.criteria[E.criterion[k]];
      const status = E.status[k];
      rows.push(el("tr", { "class": "criterion-row", "data-criterion": criterion.id, "data-status": STATUSES[status] }, [
        el("td", null, [criterion.item]),
        el("td", null, [criterion.text, el("br"), el("span", { "class": "criterion-id" }, [criterion.id + " · " + t(criterion.kind)])]),
        el("td", null, [badge(STATUSES[status], "status_" + STATUSES[status])]),
        evidenceCell(k),
        el("td", { "class": "reason" }, [dict("reason", k) || ""]),
        remainsCell(criterion, status)
      ]));
    }
    const head = el("tr", null, ["col_item", "col_criterion", "col_status", "col_evidence", "col_reason", "col_remains"]
      .map((key) => el("th", null, [t(key)])));
    const table = el("table", { "class": "criteria-detail" }, [el("thead", null, [head]), el("tbody", null, rows)]);
    return el("tr", { "class": "detail-row", "data-detail-for": P.pseudonym[i] }, [
      el("td", { colspan: 9 }, [table])
    ]);
  }

  function visibleIndexes() {
    const needle = state.filter.trim().toLowerCase();
    const out = [];
    for (let i = 0; i < N_PATIENTS; i++) {
      if (state.list !== "all" && P.overall_status[i] !== state.list) continue;
      if (needle && P.pseudonym[i].toLowerCase().indexOf(needle) === -1) continue;
      out.push(i);
    }
    const key = state.sortKey;
    const dir = state.sortDir;
    const rank = { candidate: 0, needs_review: 1 };
    out.sort((a, b) => {
      let x = P[key][a];
      let y = P[key][b];
      if (key === "overall_status") { x = rank[x]; y = rank[y]; }
      if (x < y) return -dir;
      if (x > y) return dir;
      return P.pseudonym[a] < P.pseudonym[b] ? -1 : P.pseudonym[a] > P.pseudonym[b] ? 1 : 0;
    });
    return out;
  }

  function renderRows() {
    const shown = visibleIndexes();
    const nodes = [];
    for (const i of shown.slice(0, state.limit)) {
      nodes.push(patientRow(i));
      if (open.has(i)) nodes.push(detailRow(i));
    }
    if (shown.length > state.limit) {
      const more = el("button", { id: "show-more", type: "button" }, [
        t("show_more", { n: num(Math.min(PAGE, shown.length - state.limit)), rest: num(shown.length - state.limit) })
      ]);
      nodes.push(el("tr", { "class": "more-row" }, [el("td", { colspan: 9 }, [more])]));
    }
    document.getElementById("patient-rows").replaceChildren(...nodes);
    document.getElementById("visible-count").textContent = t("shown", { n: num(shown.length), m: num(N_PATIENTS) });
    document.getElementById("visible-count").dataset.visible = String(shown.length);
    for (const th of document.querySelectorAll("#patient-table th[data-sort]")) {
      if (th.dataset.sort === state.sortKey) th.setAttribute("aria-sort", state.sortDir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
  }

  // ---- CSV export of the filtered list ------------------------------------------------
  // The rows the filters select (all of them, not only those rendered so far), in the table's
  // order and columns, as the page says them. Built here, offline: a Blob handed to a
  // download link, so no patient row ever leaves the machine.
  const CSV_HEADERS = ["col_pseudonym", "col_status", "col_decision", "col_decision_date",
    "status_met", "status_unknown", "status_to_confirm", "status_not_applicable",
    "col_unknown", "col_to_confirm"];

  // A cell a spreadsheet would read as a formula (= + - @, or tab / carriage return that some
  // strip before one) is prefixed with an apostrophe: text from the records stays text.
  function csvCell(value) {
    let text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function criterionTexts(list) {
    return (list || []).map((id) => (CRITERION_BY_ID.get(id) || { text: id }).text).join("\n");
  }

  function csvText() {
    const lines = [CSV_HEADERS.map((key) => csvCell(t(key))).join(",")];
    for (const i of visibleIndexes()) {
      const decision = P.decision ? P.decision[i] : null;
      lines.push([
        P.pseudonym[i], t("overall_" + P.overall_status[i]),
        decision ? t("decision_" + decision) : "", decision ? P.decision_date[i] : "",
        P.n_met[i], P.n_unknown[i], P.n_to_confirm[i], P.n_not_applicable[i],
        criterionTexts(P.unknown_criteria[i]), criterionTexts(P.to_confirm_criteria[i])
      ].map(csvCell).join(","));
    }
    return lines.join("\r\n") + "\r\n";
  }

  function exportCsv() {
    // The byte-order mark makes Excel read the file as UTF-8 (accents intact).
    const blob = new Blob(["\ufeff" + csvText()], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const name = [DATA.trial.id, DATA.as_of, t("csv_list"), state.list].join("_")
      .replace(/[^A-Za-z0-9_.-]+/g, "-") + ".csv";
    const link = el("a", { href: url, download: name, hidden: "" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  function togglePatient(i) {
    if (open.has(i)) open.delete(i); else open.add(i);
    rowCache.delete(i);
    renderRows();
  }

  function renderAll() {
    rowCache = new Map();
    applyLabels();
    renderCounts();
    renderRows();
    renderChanges();
    renderDataQuality();
  }

  // ---- events ------------------------------------------------------------------------
  document.getElementById("filter-input").addEventListener("input", (event) => {
    state.filter = event.target.value;
    state.limit = PAGE;
    renderRows();
  });
  document.getElementById("status-filter").addEventListener("change", (event) => {
    state.list = event.target.value;
    state.limit = PAGE;
    renderRows();
  });
  for (const th of document.querySelectorAll("#patient-table th[data-sort]")) {
    th.addEventListener("click", () => {
      const key = th.dataset.sort;
      state.sortDir = state.sortKey === key ? -state.sortDir : 1;
      state.sortKey = key;
      state.limit = PAGE;
      renderRows();
    });
  }
  document.getElementById("patient-rows").addEventListener("click", (event) => {
    if (event.target.id === "show-more") {
      state.limit += PAGE;
      renderRows();
      return;
    }
    const row = event.target.closest("tr.patient-row");
    if (row) togglePatient(Number(row.dataset.index));
  });
  document.getElementById("export-csv").addEventListener("click", exportCsv);
  document.getElementById("lang-toggle").addEventListener("click", () => {
    state.lang = state.lang === "fr" ? "en" : "fr";
    try { window.localStorage.setItem("screening-review-lang", state.lang); } catch (e) { /* ignore */ }
    renderAll();
  });

  state.lang = initialLanguage();
  renderAll();
  document.body.dataset.ready = "true";
})();
