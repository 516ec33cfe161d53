"use strict";
// Two behaviours: the page's language, and showing the failing rules only. Everything else is
// static HTML. The language is the reader's, as on review.html: the choice saved by either
// page's language button, else the browser's language.
(function () {
  var LABELS = JSON.parse(document.getElementById("dq-labels").textContent);
  var KEY = "screening-review-lang";

  function initialLanguage() {
    try {
      var saved = window.localStorage.getItem(KEY);
      if (saved === "en" || saved === "fr") return saved;
    } catch (e) { /* file:// storage may be unavailable */ }
    return (navigator.language || "en").toLowerCase().indexOf("fr") === 0 ? "fr" : "en";
  }

  // The template filled with its values; a value is the same in both languages or per language.
  function fill(lang, key, args) {
    var out = LABELS[lang][key];
    if (out === undefined) out = LABELS.en[key];
    Object.keys(args || {}).forEach(function (name) {
      var value = args[name];
      var shown = value !== null && typeof value === "object" ? value[lang] : String(value);
      out = out.split("{" + name + "}").join(shown);
    });
    return out;
  }

  function apply(lang) {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      var args = node.getAttribute("data-args");
      node.textContent = fill(lang, node.getAttribute("data-i18n"), args ? JSON.parse(args) : null);
    });
    document.querySelectorAll("[data-i18n-title]").forEach(function (node) {
      node.setAttribute("title", fill(lang, node.getAttribute("data-i18n-title"), null));
    });
    document.title = document.getElementById("heading").textContent;
    var toggle = document.getElementById("lang-toggle");
    toggle.textContent = LABELS[lang].switch_to;
    toggle.setAttribute("lang", lang === "fr" ? "en" : "fr");
  }

  var lang = initialLanguage();
  document.getElementById("lang-toggle").addEventListener("click", function () {
    lang = lang === "fr" ? "en" : "fr";
    try { window.localStorage.setItem(KEY, lang); } catch (e) { /* ignore */ }
    apply(lang);
  });
  var box = document.getElementById("only-failing");
  box.addEventListener("change", function () {
    document.body.classList.toggle("only-failing", box.checked);
  });
  apply(lang);
  document.body.setAttribute("data-ready", "true");
})();
