// Time until a vis-network page (ours or pyvis's) is drawn and still, offline.
// Polls node positions every 500 ms; "still" is the first sample that equals the next one.
// A page whose main thread is stuck (pyvis on big graphs) cannot answer: it counts as not still.
// usage: node bench_html.mjs PAGE.html SHOT.png TIMEOUT_SECONDS   (prints JSON)
import { openOffline, paintedPixels } from "./browser.mjs";

const [html, shot, timeoutS] = process.argv.slice(2);
const { page, url, log, close } = await openOffline(html);
const out = { drawn_ms: null, still_ms: null, still: false, nodes: 0 };
const deadline = Date.now() + Number(timeoutS) * 1000;
const timeLeft = () => Math.max(1, deadline - Date.now());
const orTimeout = (promise) => Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(null), timeLeft()))]);
const sample = () => orTimeout(page.evaluate(() => {
  const net = (window.kgView && window.kgView.network) || window.network;
  if (!net || !net.body) return null;
  let h = 0, n = 0;
  for (const p of Object.values(net.getPositions())) { h = (h * 31 + Math.round(p.x) * 7 + Math.round(p.y)) % 1e9; n++; }
  return { t: Math.round(performance.now()), h, n };
}));
try {
  await page.goto(url, { waitUntil: "commit" });
  let prev = null;
  while (Date.now() < deadline) {
    const s = await sample();
    if (s && s.n > 0) out.nodes = s.n;
    if (s && s.n > 0 && out.drawn_ms === null && (await orTimeout(paintedPixels(page))) > 0) out.drawn_ms = s.t;
    if (s && prev && out.drawn_ms !== null && s.h === prev.h && s.n === prev.n) {
      out.still = true; out.still_ms = Math.max(prev.t, out.drawn_ms); break;
    }
    prev = s;
    await page.waitForTimeout(500);
  }
  out.kg_ready_ms = await orTimeout(page.evaluate(() => (window.kgView ? window.kgView.readyMs : null)));
  await page.screenshot({ path: shot, timeout: 15000 }).catch(() => { out.screenshot = "page did not respond"; });
} catch (e) {
  out.failure = String(e);
} finally {
  Object.assign(out, log);
  await Promise.race([close(), new Promise((resolve) => setTimeout(resolve, 10000))]);
}
console.log(JSON.stringify(out));
process.exit(0);
