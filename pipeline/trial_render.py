"""`screening render-trial`: a trial's criteria as a document an investigator can sign off.

Markdown for a repository or a wiki, or one self-contained HTML page (inline style, no
script, no font or image to fetch) that prints as it shows and opens on a machine without
network. The words come from `pipeline.trial_words`; this module only lays them out.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.trial import Trial
from pipeline.trial_words import CriterionWords, code_set_lines, phrases, trial_words

FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
_CODE = re.compile(r"`([^`]+)`")

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em;
       color: #1a1a1a; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
section.criterion { border: 1px solid #bbb; border-radius: 4px; padding: 0.5em 1em;
                    margin: 1em 0; break-inside: avoid; }
section.criterion h3 { margin: 0.3em 0; font-size: 1.05em; }
.kind { font-weight: normal; color: #555; }
.exclusion .kind { color: #8a1c1c; }
code { font: 0.9em ui-monospace, monospace; background: #f2f2f2; padding: 0 0.2em; }
dl { margin: 0.3em 0; } dt { font-weight: 600; } dd { margin: 0 0 0.4em 1.2em; }
table { border-collapse: collapse; } td, th { border: 1px solid #bbb; padding: 0.3em 0.6em;
text-align: left; vertical-align: top; }
.sign td { height: 2.5em; min-width: 12em; }
"""


def output_format(path: Path | None) -> str:
    """markdown or html, from the output file's suffix (stdout: markdown)."""
    if path is None:
        return "markdown"
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise ConfigError(f"{path}: the output must end in .html or .md")
    return found


def _markdown_criterion(words: CriterionWords, labels: dict[str, str]) -> list[str]:
    kind = words.kind + (
        f" ({labels['exclusion_note']})" if words.kind == labels["exclusion"] else ""
    )
    lines = [
        f"### {words.order}. `{words.id}` — {words.text or words.id}",
        "",
        f"- **{kind}**, {labels['item']} {words.protocol_item}",
        f"- **{labels['rule']}**: {words.rule}",
    ]
    if words.applies_when:
        lines.append(f"- **{labels['applies_when']}**:")
        lines += [f"  - {gate}" for gate in words.applies_when]
    if words.when_absent:
        lines.append(f"- **{labels['absent']}**: {words.when_absent}")
    if words.to_confirm:
        lines.append(f"- **{labels['to_confirm']}**: {words.to_confirm}")
    if words.data:
        lines.append(f"- **{labels['data']}**: " + "; ".join(words.data))
    return [*lines, ""]


def render_markdown(trial: Trial, lang: str) -> str:
    """The trial as a Markdown document."""
    labels = phrases(lang)
    lines = [
        f"# {labels['title']}: {trial.title}",
        "",
        f"- {labels['trial']}: `{trial.id}`, {labels['version']} {trial.version}",
        f"- {labels['file']}: `{trial.path}`",
        f"- {labels['fingerprint']}: `{trial.sha256}`",
        "",
        labels["as_of"],
        "",
    ]
    for words in trial_words(trial, lang):
        lines += _markdown_criterion(words, labels)
    lines += [f"## {labels['code_sets']}", ""]
    sets = code_set_lines(trial, lang)
    if not sets:
        lines += [labels["no_code_sets"], ""]
    for name, description, system, include, exclude in sets:
        lines.append(f"- `{name}`" + (f" — {description}" if description else ""))
        lines.append(f"  - {labels['code_set_system']}: {system}")
        lines.append(f"  - {labels['include']}: {include}")
        if exclude:
            lines.append(f"  - {labels['exclude']}: {exclude}")
    heads = [labels[k] for k in ("name", "role", "date", "signature")]
    lines += [
        "",
        f"## {labels['sign_off']}",
        "",
        "| " + " | ".join(heads) + " |",
        "|" + "---|" * len(heads),
        "|" + "   |" * len(heads),
        "",
    ]
    return "\n".join(lines)


def _inline(text: str) -> str:
    """Escaped text, with `code` in a code font."""
    return _CODE.sub(r"<code>\1</code>", html.escape(text, quote=True))


def _html_criterion(words: CriterionWords, labels: dict[str, str]) -> str:
    exclusion = words.kind == labels["exclusion"]
    kind = words.kind + (f" ({labels['exclusion_note']})" if exclusion else "")
    items = [(labels["rule"], _inline(words.rule))]
    if words.applies_when:
        gates = "".join(f"<li>{_inline(g)}</li>" for g in words.applies_when)
        items.append((labels["applies_when"], f"<ul>{gates}</ul>"))
    if words.when_absent:
        items.append((labels["absent"], _inline(words.when_absent)))
    if words.to_confirm:
        items.append((labels["to_confirm"], _inline(words.to_confirm)))
    if words.data:
        items.append((labels["data"], "<br>".join(_inline(d) for d in words.data)))
    body = "".join(f"<dt>{html.escape(k)}</dt><dd>{v}</dd>" for k, v in items)
    return (
        f'<section class="criterion {"exclusion" if exclusion else "inclusion"}" '
        f'id="criterion-{html.escape(words.id, quote=True)}">'
        f"<h3>{words.order}. <code>{html.escape(words.id)}</code> — "
        f"{html.escape(words.text or words.id)}</h3>"
        f'<p class="kind">{html.escape(kind)}, {html.escape(labels["item"])} '
        f"{html.escape(words.protocol_item)}</p><dl>{body}</dl></section>"
    )


def render_html(trial: Trial, lang: str) -> str:
    """The trial as one self-contained HTML page."""
    labels = phrases(lang)
    title = f"{labels['title']}: {trial.title}"
    criteria = "\n".join(_html_criterion(w, labels) for w in trial_words(trial, lang))
    sets = code_set_lines(trial, lang)
    if sets:
        rows = "".join(
            f"<tr><td><code>{html.escape(name)}</code><br>{html.escape(description)}</td>"
            f"<td>{html.escape(system)}</td><td>{_inline(include)}</td>"
            f"<td>{_inline(exclude)}</td></tr>"
            for name, description, system, include, exclude in sets
        )
        heads = "".join(
            f"<th>{html.escape(labels[k])}</th>"
            for k in ("code_sets", "code_set_system", "include", "exclude")
        )
        code_sets = f"<table><tr>{heads}</tr>{rows}</table>"
    else:
        code_sets = f"<p>{html.escape(labels['no_code_sets'])}</p>"
    sign_heads = "".join(
        f"<th>{html.escape(labels[k])}</th>" for k in ("name", "role", "date", "signature")
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{html.escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<ul>
<li>{html.escape(labels["trial"])}: <code>{html.escape(trial.id)}</code>,
{html.escape(labels["version"])} {html.escape(trial.version)}</li>
<li>{html.escape(labels["file"])}: <code>{html.escape(trial.path)}</code></li>
<li>{html.escape(labels["fingerprint"])}: <code>{html.escape(trial.sha256)}</code></li>
</ul>
<p>{html.escape(labels["as_of"])}</p>
{criteria}
<h2>{html.escape(labels["code_sets"])}</h2>
{code_sets}
<h2>{html.escape(labels["sign_off"])}</h2>
<table class="sign"><tr>{sign_heads}</tr><tr><td></td><td></td><td></td><td></td></tr></table>
</body>
</html>
"""


def render(trial: Trial, lang: str, output: Path | None) -> str:
    """The document in the format the output's suffix names (Markdown on stdout)."""
    if output_format(output) == "html":
        return render_html(trial, lang)
    return render_markdown(trial, lang)
