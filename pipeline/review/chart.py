"""The attrition funnel as plain SVG text: no plotting library, same input gives same bytes.

The same SVG is written as attrition.svg and inlined in review.html, so both always agree; its
fixed words carry `data-i18n` keys, so the page shows them in its language.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import pandas as pd

ROW = 26
TOP = 58
LABEL_W = 300
MAIN_W = 420
ONLY_X = LABEL_W + MAIN_W + 120
ONLY_W = 150
WIDTH = ONLY_X + ONLY_W + 60
BLUE, RED, GREY = "#2b6cb0", "#c53030", "#4a5568"


def _text(x: float, y: float, content: str, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(content)}</text>'


def _fmt(n: int) -> str:
    return f"{int(n):,}".replace(",", " ")


LABEL_CHARS = 44  # what fits in LABEL_W at 12 px; the full text is the step's tooltip


def short_label(text: str) -> str:
    """A criterion's text on one line, cut to fit the chart's label column."""
    line = " ".join(text.split())
    return line if len(line) <= LABEL_CHARS else line[: LABEL_CHARS - 1].rstrip() + "…"


def attrition_svg(attrition: pd.DataFrame, title: str = "") -> str:
    """Bars of patients remaining after each criterion (protocol order), and a second panel of
    patients failing only that criterion (the ones a protocol amendment would bring in).
    """
    rows = attrition.sort_values("criterion_order", kind="stable").reset_index(drop=True)
    screened = int(rows["patients_screened"].max()) if len(rows) else 0
    only_max = max(int(rows["failing_only_this"].max()) if len(rows) else 0, 1)
    height = TOP + ROW * (len(rows) + 1) + 12
    scale = MAIN_W / max(screened, 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="attrition-chart" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'font-family="sans-serif" font-size="12">',
        f"<title>{escape(title or 'Attrition funnel')}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        _text(8, 20, title or "Attrition funnel", font_size="15", font_weight="bold"),
        _text(
            LABEL_W,
            44,
            "Patients remaining after each criterion",
            fill=GREY,
            data_i18n="chart_remaining",
        ),
        _text(ONLY_X, 44, "Failing only this criterion", fill=GREY, data_i18n="chart_only"),
    ]
    y = TOP
    out.append(
        _text(
            LABEL_W - 8,
            y + 13,
            "Screened",
            anchor="end",
            font_weight="bold",
            data_i18n="chart_screened",
        )
    )
    out.append(f'<rect x="{LABEL_W}" y="{y + 2}" width="{MAIN_W}" height="16" fill="#a0aec0"/>')
    out.append(_text(LABEL_W + MAIN_W + 6, y + 14, _fmt(screened)))
    previous = screened
    for row in rows.itertuples(index=False):
        y += ROW
        remaining, only = int(row.remaining), int(row.failing_only_this)
        dropped = previous - remaining
        previous = remaining
        label = f"{row.criterion_order}. {short_label(str(row.text))}"
        out.append(f'<g class="step" data-criterion={quoteattr(str(row.criterion_id))}>')
        out.append(f"<title>{escape(f'{row.protocol_item}: {row.text}')}</title>")
        out.append(_text(LABEL_W - 8, y + 13, label, anchor="end"))
        width = remaining * scale
        out.append(
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{width:.1f}" height="16" fill="{BLUE}"/>'
        )
        text = _fmt(remaining) + (f"  (−{_fmt(dropped)})" if dropped else "")
        out.append(_text(LABEL_W + MAIN_W + 6, y + 14, text))
        only_w = only / only_max * ONLY_W
        out.append(
            f'<rect x="{ONLY_X}" y="{y + 4}" width="{only_w:.1f}" height="12" fill="{RED}"/>'
        )
        out.append(_text(ONLY_X + only_w + 4, y + 14, _fmt(only)))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
