"""The wave report: one self-contained HTML file (Plotly's script inlined, no network), in
Serbian (Latin) and English, with a profile per local government as an anchored section.

Everything comes from the snapshot (SnapshotData); the only time shown is the manifest's."""
from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import re

import pandas as pd

from lei_pipeline.report import charts, facts
from lei_pipeline.report.profile import CriterionText, profile_sections
from lei_pipeline.report.snapshot import SnapshotData
from lei_pipeline.report.text import DUPLICATE_REASONS_SR, NOTICES_SR, bi, bi_pair, esc, fmt, fmt_int, script_json, type_label, word

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
header{background:#123c69;color:#fff;padding:16px 24px}header h1{margin:0 0 6px;font-size:1.45em}
header .meta{font-size:.85em;opacity:.85}
.langs{float:right}.langs button{margin-left:6px;padding:4px 10px;border:1px solid #fff;background:transparent;color:#fff;cursor:pointer;border-radius:3px}
.langs button.on{background:#fff;color:#123c69}
.notice{background:#fff3cd;border:1px solid #e0c36b;color:#5c4500;padding:10px 24px;font-weight:600}
nav{padding:8px 24px;background:#e4e9f0;font-size:.9em}nav a{margin-right:14px;color:#123c69}
main{padding:8px 24px 40px;max-width:1200px}
section,article{background:#fff;border:1px solid #dde2e8;border-radius:4px;padding:12px 18px;margin:16px 0}
h2{font-size:1.2em;margin:4px 0 10px;color:#123c69}h3{font-size:1.05em;margin:14px 0 6px}
table{border-collapse:collapse;font-size:.88em;margin:6px 0}td,th{border-bottom:1px solid #e5e8ec;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;height:9px;background:#4a90c2;vertical-align:middle}
.card{border-left:4px solid #1a9850;background:#f3faf5;padding:6px 10px;margin:6px 0}
.card b{color:#1a6b3a}.na{color:#7b8794;font-style:italic}
.cols{display:flex;flex-wrap:wrap;gap:18px}.cols>div{flex:1 1 420px}
.units a{display:inline-block;margin:2px 8px 2px 0;font-size:.88em}
body.lang-sr .l-en{display:none}body.lang-en .l-sr{display:none}
"""

SCRIPT = """
(function(){
var figs=JSON.parse(document.getElementById('lei-figures').textContent);
var labels=JSON.parse(document.getElementById('lei-labels').textContent);
var crit=JSON.parse(document.getElementById('lei-criteria').textContent);
function fillCriteria(){var els=document.querySelectorAll('span.crit');
  for(var i=0;i<els.length;i++){var t=crit[els[i].getAttribute('data-c')];if(!t)continue;
    for(var k=0;k<2;k++){var s=document.createElement('span');s.className=k?'l-en':'l-sr';s.textContent=t[k];els[i].appendChild(s);}}}
function draw(){for(var id in figs){var el=document.getElementById(id);if(el){Plotly.newPlot(el,figs[id].data,figs[id].layout,figs[id].config);}}}
var current='sr';
function loadPlotly(done){
  // plotly.js is inlined gzip-compressed (base64): a third of its size; the browser inflates it.
  var b=atob(document.getElementById('lei-plotly').textContent);var u=new Uint8Array(b.length);
  for(var i=0;i<b.length;i++){u[i]=b.charCodeAt(i);}
  new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function(js){
    var s=document.createElement('script');s.textContent=js;document.head.appendChild(s);done();});
}
function setLang(lang){
  current=lang;document.body.className='lang-'+lang;document.documentElement.lang=lang==='sr'?'sr-Latn':'en';
  var bs=document.querySelectorAll('.langs button');for(var i=0;i<bs.length;i++){bs[i].className=bs[i].getAttribute('data-lang')===lang?'on':'';}
  for(var id in labels){var el=document.getElementById(id);var l=labels[id][lang];if(!el||!l||!el.data)continue;
    if(l.layout&&Object.keys(l.layout).length)Plotly.relayout(el,l.layout);
    if(l.names)Plotly.restyle(el,{name:l.names});}
}
fillCriteria();
var bs=document.querySelectorAll('.langs button');
for(var i=0;i<bs.length;i++){bs[i].addEventListener('click',function(){setLang(this.getAttribute('data-lang'));});}
setLang('sr');
loadPlotly(function(){draw();setLang(current);});
})();
"""


def unit_anchor(code: str) -> str:
    """An id safe in HTML and URLs, unique per unit code."""
    code = str(code)
    if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", code):
        return f"u-{code}"
    return "u-h" + hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def plotly_packed() -> str:
    """plotly.js gzip-compressed (fixed header, no timestamp) and base64-encoded: 1.9 MB instead of
    4.8 MB, the same bytes on every build. Computed once per process."""
    from plotly.offline import get_plotlyjs

    packed = gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def _not_available(what_key: str) -> str:
    return '<p class="na">' + "".join(f'<span class="l-{lang}">{esc(word("not_available", lang, what=word(what_key, lang)))}</span>'
                                      for lang in ("sr", "en")) + "</p>"


def _score_columns(data: SnapshotData) -> list[tuple[str, str, str]]:
    """(code, sr name, en name) of components, pillars and the LEI in the scores table."""
    scores = data.table("scores")
    m = data.methodology
    out = []
    if m is not None:
        out += [(c.code, c.name.get("sr_latn", c.code), c.name.get("en", c.code)) for c in m.components]
        out += [(p.code, p.name.get("sr_latn", p.code), p.name.get("en", p.code)) for p in m.pillars]
    else:
        fixed = set(facts.IDENTITY) | {"type_group", "lei", "category", "category_en"}
        out += [(c, c, c) for c in scores.columns if c not in fixed and not c.startswith("rank")
                and pd.api.types.is_float_dtype(scores[c])]
    out = [t for t in out if t[0] in scores.columns]
    return out + [("lei", "LEI", "LEI")]


def _categories(data: SnapshotData) -> tuple[list[str], list[str]]:
    m = data.methodology
    scores = data.table("scores")
    if m is not None:
        return [c.label_sr for c in m.categories], [c.label_en for c in m.categories]
    pairs = scores[["category", "category_en"]].dropna().drop_duplicates() if "category_en" in scores else None
    if pairs is None:
        cats = sorted(scores["category"].dropna().astype(str).unique())
        return cats, cats
    order = scores.groupby("category")["lei"].max().sort_values(ascending=False).index
    en = pairs.set_index("category")["category_en"]
    return [str(c) for c in order], [str(en.get(c, c)) for c in order]


def _header(data: SnapshotData) -> str:
    mf = data.manifest
    meth = mf.get("methodology") or {}
    meta = (f'{esc(mf.get("created_at"))} · methodology {esc(meth.get("version"))} '
            f'(sha256 {esc(str(meth.get("sha256") or "")[:12])}) · {esc(mf.get("code_version"))}')
    out = ['<header><div class="langs"><span class="l-sr">Jezik</span><span class="l-en">Language</span>',
           '<button type="button" data-lang="sr" id="lang-sr">Srpski</button>',
           '<button type="button" data-lang="en" id="lang-en">English</button></div>',
           f'<h1>{bi("title", wave=data.wave, version=data.version)}</h1><div class="meta">{meta}</div></header>']
    if mf.get("notice"):
        en = str(mf["notice"])
        out.append(f'<div class="notice" id="notice">{bi_pair(word("notice", "sr", notice=NOTICES_SR.get(en, en)), word("notice", "en", notice=en))}</div>')
    out.append('<nav>' + "".join(f'<a href="#{k}">{bi(k)}</a>' for k in
                                 ("ranking", "components", "distribution", "movers", "quality", "profiles")) + '</nav>')
    return "".join(out)


def _movers_section(data, figs, labels) -> str:
    out = [f'<section id="movers"><h2>{bi("movers")}</h2>']
    ch = facts.comparable_change(data)
    if ch is None:
        out.append(_not_available("no_change_table") + "</section>")
        return "".join(out)
    scores = data.table("scores")
    if "unit_name" not in ch:  # change tables before issue 14 carried no names
        ch = ch.merge(scores[["unit_code", "unit_name"]], on="unit_code", how="left")
    ch["lei_change"] = ch["lei_change"].astype("float64")
    prev = ", ".join(sorted(ch["previous_wave"].astype(str).unique())) if "previous_wave" in ch else "?"
    out.append(f"<p>{bi('movers_intro', previous=prev)}</p>")
    up = ch.sort_values(["lei_change", "unit_code"], ascending=[False, True], kind="stable").head(10)
    down = ch.sort_values(["lei_change", "unit_code"], ascending=[True, True], kind="stable").head(10)
    top = pd.concat([up[up["lei_change"] > 0], down[down["lei_change"] < 0]]).drop_duplicates("unit_code")
    if len(top):
        figs["chart-movers"], labels["chart-movers"] = charts.movers(top)
        out.append('<div id="chart-movers" class="chart"></div>')
    out.append('<div class="cols">')
    for key, part in (("up", up), ("down", down)):
        rows = "".join(
            f'<tr><td><a href="#{unit_anchor(r.unit_code)}">{esc(r.unit_name)}</a></td><td class="n">{fmt(r.lei_previous)}</td>'
            f'<td class="n">{fmt(r.lei)}</td><td class="n">{fmt(r.lei_change)}</td>'
            f'<td class="n">{fmt_int(getattr(r, "rank_change", None))}</td></tr>' for r in part.itertuples())
        out.append(f'<div><h3>{bi(key)}</h3><table><tr><th>{bi("unit")}</th><th>{bi("previous")}</th><th>{bi("now")}</th>'
                   f'<th>Δ LEI</th><th>Δ {bi("rank")}</th></tr>{rows}</table></div>')
    out.append('</div></section>')
    return "".join(out)


def _quality_section(data: SnapshotData) -> str:
    mf = data.manifest
    responses = data.table("responses")
    n = 0 if responses is None else len(responses)
    out = [f'<section id="quality"><h2>{bi("quality")}</h2><table>',
           f'<tr><th>{bi("responding")}</th><td class="n" id="q-responding">{n}</td></tr>']
    expected = facts.registry_count(mf)
    rate = (f'{100 * n / expected:.1f}% ({n} / {expected})' if expected else None)
    out.append(f'<tr><th>{bi("response_rate")}</th><td id="q-rate">{esc(rate) if rate else _not_available("no_registry_count")}</td></tr>')
    by_type = (mf.get("units_expected") or {}).get("by_type") if isinstance(mf.get("units_expected"), dict) else None
    if by_type and responses is not None and "unit_type" in responses:
        answered = responses["unit_type"].astype(str).value_counts()
        for t, k in sorted(by_type.items()):
            out.append(f'<tr><td>· {bi_pair(type_label(t, "sr"), type_label(t, "en"))}</td>'
                       f'<td class="n">{100 * int(answered.get(t, 0)) / k:.1f}% ({int(answered.get(t, 0))} / {k})</td></tr>')
    cov = facts.coverage(data)
    total = cov[cov["component"] == "*"]["coverage"]
    out.append(f'<tr><th>{bi("coverage")}</th><td class="n">{fmt(100 * total.iloc[0]) + "%" if len(total) else "–"}</td></tr>')
    shares = facts.answer_shares(data)
    if len(shares):
        out.append(f'<tr><th>{bi("answers")}</th><td class="n">{fmt(100 * shares["dont_know"].mean())}% / '
                   f'{fmt(100 * shares["not_applicable"].mean())}% / {fmt(100 * shares["blank"].mean())}%</td></tr>')
    checks = mf.get("checks") or []
    passed = sum(bool(c.get("passed")) for c in checks)
    out.append(f'<tr><th>{bi("checks")}</th><td>{bi("checks_summary", passed=passed, total=len(checks))}</td></tr></table>')
    m = data.methodology
    names = {c.code: c.name for c in m.components} if m is not None else {}
    rows = "".join(f'<tr><td>{bi_pair(names.get(r.component, {}).get("sr_latn", r.component), names.get(r.component, {}).get("en", r.component)) if r.component != "*" else "LEI"}</td>'
                   f'<td class="n">{fmt(100 * r.coverage)}%</td></tr>' for r in cov.itertuples())
    out.append(f'<div class="cols"><div><h3>{bi("coverage")}</h3><table>{rows}</table></div>')
    if len(shares):
        worst = shares.assign(any=shares[["dont_know", "not_applicable", "blank"]].sum(axis=1))
        worst = worst.sort_values(["any", "column"], ascending=[False, True], kind="stable").head(12)
        q = data.questionnaire
        def qtext(col: str, lang: str) -> str:
            if q is None:
                return ""
            try:
                question, sub = q.column_question(col)
            except KeyError:
                return ""
            text = question.text.get(lang, "")
            return f"{text} ({sub.label.get(lang, sub.code)})" if sub is not None else text
        rows = "".join(f'<tr><td>{esc(r.column)}</td><td>{bi_pair(qtext(r.column, "sr_latn"), qtext(r.column, "en"))}</td>'
                       f'<td class="n">{fmt(100 * r.dont_know)}%</td><td class="n">{fmt(100 * r.not_applicable)}%</td>'
                       f'<td class="n">{fmt(100 * r.blank)}%</td></tr>' for r in worst.itertuples())
        out.append(f'<div><h3>{bi("answers")}</h3><table><tr><th>{bi("question")}</th><th></th><th>DK</th><th>NA</th>'
                   f'<th>∅</th></tr>{rows}</table></div>')
    out.append('</div>')
    rows = "".join(f'<tr><td>{esc(c.get("name"))}</td><td>{esc(c.get("source", ""))}</td>'
                   f'<td>{bi("passed") if c.get("passed") else bi("failed")}</td></tr>' for c in checks)
    out.append(f'<details><summary>{bi("checks")} ({len(checks)})</summary><table>{rows}</table></details>')
    out.append(_duplicates(data))
    if data.notes:
        out.append("<ul>" + "".join(f'<li class="na">{esc(n)}</li>' for n in data.notes) + "</ul>")
    out.append("</section>")
    return "".join(out)


def _duplicates(data: SnapshotData) -> str:
    """The survey cleaning's choice between several submissions of one unit, one row per unit."""
    out = [f'<h3 id="duplicates">{bi("duplicates")}</h3>']
    dups = facts.duplicate_decisions(data)
    if dups is None:
        checks = facts.duplicate_checks(data.manifest)
        rows = "".join(f'<tr><td>{esc(d["check"])}</td><td>{bi("passed") if d["passed"] else bi("failed")}</td>'
                       f'<td>{bi("no_duplicate_detail")}</td></tr>' for d in checks)
        out.append(f'<table>{rows}</table>' if rows else f'<p class="na">{bi("no_duplicate_detail")}</p>')
        return "".join(out)
    if not len(dups):
        out.append(f'<p>{bi("dup_none")}</p>')
        return "".join(out)
    rows = "".join(f'<tr><td><a href="#{unit_anchor(d.unit_code)}">{esc(d.unit_name or d.unit_code)}</a> '
                   f'<small>({esc(d.unit_code)})</small></td><td class="n">{fmt_int(d.kept_row)}</td>'
                   f'<td>{esc(d.dropped_rows)}</td><td>{bi_pair(DUPLICATE_REASONS_SR.get(d.reason, d.reason), d.reason)}</td>'
                   f'<td>{esc(d.source_file)}</td></tr>'
                   for d in dups.itertuples())
    out.append(f'<table class="duplicates"><tr><th>{bi("dup_unit")}</th><th>{bi("dup_kept")}</th>'
               f'<th>{bi("dup_dropped")}</th><th>{bi("dup_reason")}</th><th>{bi("export_file")}</th></tr>{rows}</table>')
    return "".join(out)


def build_report(data: SnapshotData) -> bytes:
    scores = data.table("scores")
    if scores is None:
        raise ValueError("the snapshot has no scores table")
    scores = scores.copy()
    scores["unit_code"] = scores["unit_code"].astype(str)
    unc = facts.uncertainty(data)
    cats_sr, cats_en = _categories(data)
    figs: dict[str, dict] = {}
    labels: dict[str, dict] = {}
    criteria = CriterionText.of(data.methodology)

    figs["chart-ranking"], labels["chart-ranking"] = charts.ranking(scores, cats_sr, unc)
    ranking = [f'<section id="ranking"><h2>{bi("ranking")}</h2><p>{bi("ranking_intro")}</p>']
    ranking.append(f"<p>{bi('rank_interval_intro')}</p>" if unc is not None else _not_available("no_uncertainty"))
    ranking.append('<div id="chart-ranking" class="chart"></div></section>')

    cols = _score_columns(data)
    figs["chart-components"], labels["chart-components"] = charts.components(scores, cols)
    comp = (f'<section id="components"><h2>{bi("components")}</h2><p>{bi("components_intro")}</p>'
            '<div id="chart-components" class="chart"></div></section>')

    figs["chart-type"], labels["chart-type"] = charts.by_type(scores)
    figs["chart-category"], labels["chart-category"] = charts.by_category(scores, cats_sr, cats_en)
    dist = (f'<section id="distribution"><h2>{bi("distribution")}</h2><div class="cols">'
            f'<div><h3>{bi("by_type")}</h3><div id="chart-type" class="chart"></div></div>'
            f'<div><h3>{bi("by_category")}</h3><div id="chart-category" class="chart"></div></div></div></section>')

    body = "".join([_header(data), "<main>", "".join(ranking), comp, dist, _movers_section(data, figs, labels),
                    _quality_section(data), profile_sections(data, scores, cols, unc, unit_anchor, criteria), "</main>"])
    for f in figs.values():
        f["config"] = charts.CONFIG
    title = esc(word("title", "en", wave=data.wave, version=data.version))
    page = ("<!DOCTYPE html>\n<html lang=\"sr-Latn\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{title}</title><style>{STYLE}</style>"
            f'</head><body class="lang-sr">{body}'
            f'<script type="application/gzip;base64" id="lei-plotly">{plotly_packed()}</script>'
            f'<script type="application/json" id="lei-figures">{script_json(figs)}</script>'
            f'<script type="application/json" id="lei-labels">{script_json(labels)}</script>'
            f'<script type="application/json" id="lei-criteria">{script_json(criteria.catalogue())}</script>'
            f"<script>{SCRIPT}</script></body></html>\n")
    return page.encode("utf-8")
