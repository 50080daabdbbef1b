/** The console's one stylesheet, served from /assets/console.css (the CSP allows styles from 'self' only). */
export const CONSOLE_CSS = `
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #f3f5f9; --accent: #0b5cad;
  --ok: #1f8a4c; --bad: #c0392b; --warn: #d68910; --info: #2e6fb7; --slip: #7d5fb2; --none: #95a0b1; --dark: #3b4252; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; gap: 24px; padding: 12px 28px; background: #10325c; color: #fff; }
header a { color: #fff; text-decoration: none; }
.brand { font-weight: 700; font-size: 17px; }
nav { display: flex; align-items: center; gap: 18px; flex: 1; }
nav a { opacity: .85; padding: 4px 0; border-bottom: 2px solid transparent; }
nav a.active { opacity: 1; border-bottom-color: #fff; }
nav .who { margin-left: auto; opacity: .85; }
form.inline { display: inline; margin: 0; }
button.link { background: none; border: 1px solid rgba(255,255,255,.6); color: #fff; padding: 3px 12px; border-radius: 4px; cursor: pointer; font: inherit; }
main { max-width: 1040px; margin: 24px auto; padding: 0 20px; }
footer { max-width: 1040px; margin: 0 auto 32px; padding: 0 20px; color: var(--muted); font-size: 13px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 18px 22px; margin-bottom: 18px; }
.card.narrow { max-width: 440px; margin: 40px auto; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 0 0 10px; }
label { display: block; font-weight: 600; margin: 10px 0 4px; }
input { font: inherit; padding: 8px 10px; border: 1px solid #aab3c2; border-radius: 5px; width: 100%; }
button { font: inherit; background: var(--accent); color: #fff; border: 0; border-radius: 5px; padding: 8px 20px; cursor: pointer; margin-top: 12px; }
.search .row { display: flex; gap: 10px; }
.search .row button { margin-top: 0; }
.hint, .small { color: var(--muted); font-size: 13px; }
.error { color: var(--bad); font-weight: 600; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 8px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 13px; color: var(--muted); font-weight: 600; }
.badge { display: inline-block; padding: 2px 9px; border-radius: 12px; font-size: 13px; font-weight: 600; color: #fff; background: var(--info); }
.badge.big { font-size: 15px; padding: 4px 12px; }
.badge.ok { background: var(--ok); } .badge.bad { background: var(--bad); } .badge.warn { background: var(--warn); }
a.open { font-weight: 600; color: var(--accent); }
.number { color: var(--muted); font-weight: 500; }
.summary li { margin: 4px 0; }
.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
.timeline li { position: relative; padding: 6px 0 10px 18px; }
.timeline li::before { content: ""; position: absolute; left: -8px; top: 11px; width: 11px; height: 11px; border-radius: 50%; background: var(--info); border: 2px solid #fff; }
.timeline li.ok::before { background: var(--ok); } .timeline li.bad::before { background: var(--bad); } .timeline li.warn::before { background: var(--warn); }
.timeline time { display: block; color: var(--muted); font-size: 13px; }
.facts { display: grid; grid-template-columns: 190px 1fr; gap: 6px 14px; margin: 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; }
.explanation li.ok { font-weight: 600; color: var(--ok); }
code { font-size: 13px; background: #eef1f6; padding: 1px 5px; border-radius: 3px; }
.crumbs { margin: 0 0 6px; } .crumbs a { color: var(--accent); }
svg.chart { max-width: 100%; height: auto; display: block; margin: 8px 0 12px; }
svg.chart text { font-size: 13px; fill: var(--ink); }
svg.chart text.value { fill: var(--muted); }
svg .ok { fill: var(--ok); } svg .bad { fill: var(--bad); } svg .warn { fill: var(--warn); } svg .info { fill: var(--info); }
svg .slip { fill: var(--slip); } svg .none { fill: var(--none); } svg .dark { fill: var(--dark); }
.legend .key { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin: 0 4px 0 10px; vertical-align: -1px; }
.key.ok { background: var(--ok); } .key.bad { background: var(--bad); } .key.warn { background: var(--warn); }
.key.slip { background: var(--slip); } .key.none { background: var(--none); } .key.dark { background: var(--dark); }
`;
