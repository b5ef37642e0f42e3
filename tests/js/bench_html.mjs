// Time until a vis-network page (ours or pyvis's) is drawn and still, offline.
// Polls node positions every 500 ms; "still" is the first sample that equals the next one.
// usage: node bench_html.mjs PAGE.html SHOT.png TIMEOUT_SECONDS   (prints JSON)
import { openOffline, paintedPixels } from "./browser.mjs";

const [html, shot, timeoutS] = process.argv.slice(2);
const { page, url, log, close } = await openOffline(html);
const out = { drawn_ms: null, still_ms: null, still: false };
const sample = () => page.evaluate(() => {
  const net = (window.kgView && window.kgView.network) || window.network;
  if (!net || !net.body) return null;
  let h = 0, n = 0;
  for (const p of Object.values(net.getPositions())) { h = (h * 31 + Math.round(p.x) * 7 + Math.round(p.y)) % 1e9; n++; }
  return { t: Math.round(performance.now()), h, n };
});
try {
  await page.goto(url, { timeout: 0 });
  const deadline = Date.now() + Number(timeoutS) * 1000;
  let prev = null;
  while (Date.now() < deadline) {
    const s = await sample();
    if (s && s.n > 0 && out.drawn_ms === null && (await paintedPixels(page)) > 0) out.drawn_ms = s.t;
    if (s && prev && out.drawn_ms !== null && s.h === prev.h && s.n === prev.n) {
      out.still = true; out.still_ms = Math.max(prev.t, out.drawn_ms); break;
    }
    prev = s;
    await page.waitForTimeout(500);
  }
  out.nodes = prev ? prev.n : 0;
  out.kg_ready_ms = await page.evaluate(() => (window.kgView ? window.kgView.readyMs : null));
  await page.screenshot({ path: shot });
} catch (e) {
  out.failure = String(e);
} finally {
  Object.assign(out, log);
  await close();
}
console.log(JSON.stringify(out));
