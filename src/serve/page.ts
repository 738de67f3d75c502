/**
 * The dashboard's page: a shell (header, navigation, a view) whose script fetches the current view from the server and
 * refreshes it when the server says the database changed (server-sent events). vega, vega-lite and vega-embed are
 * served by the same server from the installed packages: the page makes no request anywhere else.
 */
import { CSS, esc, SAVE_JS, scriptText } from '../report/html.js';

export const DASHBOARD_CSS = `
main { max-width: 1380px; display: grid; grid-template-columns: 220px minmax(0, 1fr); gap: 0 28px; padding: 24px 32px 80px; }
header.top { grid-column: 1 / -1; display: flex; align-items: baseline; gap: 16px; border-bottom: 2px solid var(--rule);
  padding-bottom: 10px; margin-bottom: 14px; font-family: Inter, "Helvetica Neue", Helvetica, Arial, sans-serif; }
header.top h1 { font-size: 20px; margin: 0; }
header.top h1 a { color: inherit; text-decoration: none; }
header.top .db { color: var(--muted); font-size: 13px; word-break: break-all; }
header.top .live { margin-left: auto; font-size: 12px; color: var(--muted); white-space: nowrap; }
.live .dot { margin-right: 5px; }
nav#nav { font: 13px/1.5 Inter, "Helvetica Neue", Helvetica, Arial, sans-serif; position: sticky; top: 12px; align-self: start;
  max-height: calc(100vh - 24px); overflow-y: auto; }
nav#nav h4 { margin: 14px 0 4px; font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
nav#nav ul { list-style: none; margin: 0; padding: 0; }
nav#nav li { margin: 2px 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
nav#nav a { color: var(--accent); text-decoration: none; }
nav#nav a:hover { text-decoration: underline; }
#view { min-width: 0; }
#view h1 { font-size: 24px; margin: 4px 0 8px; }
#view h2 { margin-top: 30px; }
#view a { color: var(--accent); }
#view td:first-child a { white-space: nowrap; }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: #bbb; margin-right: 7px; vertical-align: 1px; }
.d-running, .d-live { background: #2e9d4f; box-shadow: 0 0 0 3px rgba(46,157,79,.18); }
.d-stopped, .d-interrupted, .d-stalled { background: #e0a030; }
.d-complete, .d-finished { background: #4e79a7; }
.d-down { background: #b3261e; }
.badge { display: inline-block; font: 600 11px/1.6 Inter, "Helvetica Neue", Helvetica, Arial, sans-serif; padding: 0 7px;
  border-radius: 9px; background: #eceff3; color: #444; white-space: nowrap; }
.b-running { background: #dff3e5; color: #1e7b34; }
.b-stalled, .b-stopped, .b-interrupted { background: #fbefd9; color: #8a5a00; }
.b-planned, .b-queued { background: #eef1f6; color: #55657a; }
.b-ok, .b-complete, .b-finished { background: #e3ecf6; color: #1f5f99; }
.b-failed, .b-diverged { background: #f8e0de; color: #b3261e; }
.b-pruned { background: #eceae6; color: #6b6256; }
.b-rejected { background: #f1f1f1; color: #888; }
.bar { display: inline-block; width: 90px; height: 7px; background: #e8ebef; border-radius: 4px; vertical-align: middle;
  overflow: hidden; }
.bar > span { display: block; height: 100%; background: #4e79a7; transition: width .4s; }
.barlabel { font-size: 11px; color: var(--muted); white-space: nowrap; }
p.progress { max-width: none; }
p.progress .bar { width: 220px; height: 9px; }
pre.config, pre.cmd { background: #f6f7f9; border: 1px solid #e4e7eb; padding: 8px 10px; font-size: 12px; white-space: pre-wrap;
  word-break: break-word; max-width: 100%; }
p.expr code { font-size: 15px; }
p.live { color: #1e7b34; }
.error { color: #b3261e; }
`;

/**
 * The client. One fetch per refresh (the view's HTML and chart specs); charts whose spec did not change keep their
 * drawing (their element is moved into the new HTML), so a live grid does not flicker. Refreshes on every 'change'
 * event, on navigation, and every 10 s as a fallback if the event stream is down.
 */
export const DASHBOARD_JS = `
(function () {
  var view = document.getElementById('view');
  var nav = document.getElementById('nav');
  var live = document.getElementById('live');
  var root = document.documentElement;
  var shown = { path: null, html: null, specs: {} };
  var busy = false, again = false, lastVersion = -1;
  function path() { return location.hash.replace(/^#/, '') || '/'; }
  function setLive(state, text) { live.innerHTML = '<span class="dot d-' + state + '"></span>' + text; }
  function embed(id, spec) {
    return vegaEmbed('#' + id, spec, { actions: false, renderer: 'svg' }).then(function (r) {
      window.headroomViews[id] = r.view;
    }, function (e) { console.error('dashboard: chart ' + id + ' failed: ' + (e && e.message ? e.message : e)); });
  }
  function render(p, v) {
    if (v.nav !== undefined && nav.innerHTML !== v.nav) nav.innerHTML = v.nav;
    document.title = v.title + ' · headroom';
    var keep = {};
    if (p === shown.path) for (var id in v.specs) {
      var json = JSON.stringify(v.specs[id]);
      var el = document.getElementById(id);
      if (el && shown.specs[id] === json) keep[id] = el;
    }
    if (p !== shown.path || v.html !== shown.html) {
      for (var k in keep) keep[k].remove();
      view.innerHTML = v.html;
      for (var k2 in keep) { var slot = document.getElementById(k2); if (slot) slot.replaceWith(keep[k2]); }
      if (p !== shown.path) window.scrollTo(0, 0);
    }
    var jobs = [], specs = {};
    for (var id2 in v.specs) {
      specs[id2] = JSON.stringify(v.specs[id2]);
      if (!keep[id2]) jobs.push(embed(id2, v.specs[id2]));
    }
    shown = { path: p, html: v.html, specs: specs };
    return Promise.all(jobs);
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    var p = path();
    fetch('/api/view?path=' + encodeURIComponent(p), { cache: 'no-store' })
      .then(function (r) { return r.json().then(function (v) { return { ok: r.ok && !v.error, v: v }; }); })
      .then(function (x) {
        if (!x.ok) {
          lastVersion = x.v.version;
          if (x.v.nav !== undefined) nav.innerHTML = x.v.nav;
          view.innerHTML = '<h1>Not found</h1><p class="error">' + String(x.v.error).replace(/</g, '&lt;') + '</p><p><a href="#/">overview</a></p>';
          shown = { path: p, html: null, specs: {} };
          return;
        }
        lastVersion = x.v.version;
        return render(p, x.v).then(function () {
          root.setAttribute('data-version', String(x.v.version));
          root.setAttribute('data-path', p);
        });
      })
      .catch(function (e) { setLive('down', 'server unreachable'); console.warn('dashboard: ' + e); })
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  window.addEventListener('hashchange', refresh);
  var source = new EventSource('/api/events');
  source.addEventListener('open', function () { setLive('live', 'live'); });
  source.addEventListener('change', function (ev) {
    var v = Number(JSON.parse(ev.data).version);
    if (v !== lastVersion) refresh();
  });
  source.addEventListener('error', function () { setLive('down', 'reconnecting…'); });
  setInterval(function () { if (source.readyState !== 1) refresh(); }, 10000);
  refresh();
})();
`;

export function shellHtml(
  dbPath: string,
  versions: { vega: string; vegaLite: string; vegaEmbed: string },
): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="headroom serve">
<link rel="icon" href="data:,">
<title>headroom dashboard</title>
<style>${CSS}${DASHBOARD_CSS}</style>
<script src="/assets/vega.js"></script>
<script src="/assets/vega-lite.js"></script>
<script src="/assets/vega-embed.js"></script>
</head>
<body>
<main>
<header class="top"><h1><a href="#/">headroom</a></h1><span class="db">${esc(dbPath)} · read-only</span>
<span class="live" id="live"><span class="dot"></span>connecting…</span></header>
<!-- vega ${esc(versions.vega)}, vega-lite ${esc(versions.vegaLite)}, vega-embed ${esc(versions.vegaEmbed)}, served from this machine -->
<nav id="nav"></nav>
<div id="view"><p class="empty">Loading…</p></div>
</main>
<script>${scriptText(SAVE_JS)}</script>
<script>${scriptText(DASHBOARD_JS)}</script>
</body>
</html>
`;
}
