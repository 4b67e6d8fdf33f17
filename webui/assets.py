"""The review page's only style sheet and script, inline (the page must work offline, no CDN),
with the Content-Security-Policy that allows exactly these two and nothing else.

A strict policy is a second line of defence: should a value ever escape unescaped, the browser still
refuses to run it.
"""
from __future__ import annotations

import base64
import hashlib

STYLE = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b5cad;
  --ok: #0a6b2d; --ok-bg: #e7f4ea; --bad: #a4262c; --bad-bg: #fbeaea; --warn: #6b4400;
  --warn-bg: #fff4ce; --info-bg: #eaf2fb; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 "Segoe UI", system-ui, -apple-system, Roboto, "Helvetica Neue",
  Arial, sans-serif; color: var(--ink); background: #fff; }
.skip { position: absolute; left: -999px; top: 0; padding: .5rem 1rem; background: var(--accent);
  color: #fff; }
.skip:focus { left: 0; }
header, main, footer { max-width: 62rem; margin: 0 auto; padding: 0 1.25rem; }
body.wide header, body.wide main, body.wide footer { max-width: 100rem; }
header { padding-top: 1.25rem; border-bottom: 1px solid var(--line); }
.eyebrow { margin: 0; color: var(--muted); font-size: .9rem; }
h1 { margin: .25rem 0 .5rem; font-size: 1.6rem; line-height: 1.25; }
h2 { margin: 2rem 0 .75rem; font-size: 1.25rem; }
h3 { margin: 0; font-size: 1.05rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.phase { margin: 0 0 1rem; }
.badge { display: inline-block; padding: .05rem .5rem; border: 1px solid currentColor;
  border-radius: .25rem; font-weight: 600; font-size: .9rem; white-space: nowrap; }
.passed, .done, .success { color: var(--ok); background: var(--ok-bg); }
.failed, .error { color: var(--bad); background: var(--bad-bg); }
.warning, .pending-submission { color: var(--warn); background: var(--warn-bg); }
.current, .info { color: var(--accent); background: var(--info-bg); }
.pending { color: var(--muted); background: #f3f3f3; }
.notice { margin: 1rem 0; padding: .75rem 1rem; border-left: .35rem solid currentColor; }
.notice p { margin: 0; color: var(--ink); }
.refresh { color: var(--muted); font-size: .95rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ol.timeline { list-style: none; margin: 0; padding: 0; display: grid;
  grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .5rem; }
ol.timeline li { padding: .6rem .75rem; border: 1px solid var(--line); border-radius: .35rem;
  overflow-wrap: anywhere; }
ol.timeline .when, ol.timeline .detail { display: block; font-size: .9rem; color: var(--muted); }
ol.checks { list-style: none; margin: 0; padding: 0; }
ol.checks > li { padding: .9rem 0; border-top: 1px solid var(--line); }
.check-head { display: flex; gap: .75rem; align-items: baseline; flex-wrap: wrap; }
.check p { margin: .35rem 0 0; }
.label { font-weight: 600; }
details { margin-top: .4rem; }
summary { cursor: pointer; color: var(--accent); }
.evidence { font-size: .9rem; padding: .5rem .75rem; background: #f7f7f7; overflow-x: auto; }
.evidence dl, .evidence ul { margin: .25rem 0 .25rem 1rem; }
.evidence dt { font-weight: 600; }
.evidence dd { margin: 0 0 .25rem 1rem; overflow-wrap: anywhere; }
.irreversible { margin: 1rem 0; padding: 1rem; border: 2px solid var(--bad); border-radius: .35rem; }
.irreversible h2 { margin-top: 0; color: var(--bad); }
form.confirm fieldset { border: 1px solid var(--line); border-radius: .35rem; padding: 1rem 1.25rem; }
form.confirm legend { font-weight: 600; font-size: 1.1rem; padding: 0 .25rem; }
.field { margin: .9rem 0; }
.field label { font-weight: 600; }
.field.check { display: flex; gap: .6rem; align-items: flex-start; }
.field.check input { width: 1.25rem; height: 1.25rem; margin-top: .15rem; flex: none; }
.field.text label { display: block; margin-bottom: .25rem; }
input[type=text] { width: min(100%, 28rem); padding: .5rem; font: inherit; color: var(--ink);
  border: 2px solid #5f5f5f; border-radius: .25rem; }
input[aria-invalid=true] { border-color: var(--bad); }
button { padding: .6rem 1.2rem; font: inherit; font-weight: 600; color: #fff;
  background: var(--bad); border: 2px solid var(--bad); border-radius: .25rem; cursor: pointer; }
button:hover { background: #7d1b20; }
table.history { border-collapse: collapse; }
table.history th, table.history td { text-align: left; padding: .25rem 1rem .25rem 0;
  border-bottom: 1px solid var(--line); }
.env-name { font-weight: 600; }
.env-links { display: block; font-size: .95rem; }
button.secondary { color: var(--accent); background: #fff; border-color: var(--accent); padding: .35rem .9rem; }
button.secondary:hover { background: var(--info-bg); }
ul.counts { list-style: none; margin: .5rem 0; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1rem; }
ul.counts a[aria-current=page] { font-weight: 700; color: var(--ink); }
form.filter { margin: 1rem 0; }
form.filter select { padding: .35rem; font: inherit; }
.scroll { overflow-x: auto; }
table.fleet { border-collapse: collapse; width: 100%; font-size: .95rem; }
table.fleet caption { text-align: left; color: var(--muted); padding-bottom: .25rem; }
table.fleet th, table.fleet td { text-align: left; vertical-align: top; padding: .35rem .75rem .35rem 0;
  border-bottom: 1px solid var(--line); }
table.fleet tbody th { font-weight: 400; white-space: nowrap; }
table.fleet code { white-space: nowrap; }
footer { margin-top: 2rem; padding-bottom: 2rem; color: var(--muted); font-size: .9rem; }
""".strip()

# Reloads the page while the run moves on by itself; the reader can pause it (WCAG 2.2.1).
# Without JavaScript a <noscript> meta refresh and a "Refresh now" link do the same job.
SCRIPT = """
(function () {
  var seconds = Number(document.body.getAttribute("data-refresh-seconds"));
  if (!seconds) { return; }
  var pause = document.getElementById("pause-refresh");
  var timer = null;
  function schedule() { timer = setTimeout(function () { location.reload(); }, seconds * 1000); }
  if (pause) {
    pause.addEventListener("change", function () {
      if (pause.checked) { clearTimeout(timer); } else { schedule(); }
    });
  }
  schedule();
})();
""".strip()


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# What a <meta> policy can say; frame-ancestors only works as a response header.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    f"style-src {_csp_hash(STYLE)}; "
    f"script-src {_csp_hash(SCRIPT)}; "
    "form-action 'self'; base-uri 'none'"
)

# Headers for every HTML response of the review routes: no framing (a confirm button must not be
# clickjacked), no caching of a page that shows the current status, no referrer leaking its URL to
# other sites. "same-origin", not "no-referrer": under no-referrer the browser sends `Origin: null`
# with the page's own form post, which the app refuses as it would any null origin.
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY + "; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
