// Open a kg graph.html offline, wait until it is drawn and still, exercise the search box and a
// tooltip, save screenshots, and print what happened as JSON (tests/test_html.py asserts on it).
// usage: node check_html.mjs GRAPH.html SHOT.png QUERY EXPECTED_ID [HOVER_ID]
import { openOffline, paintedPixels } from "./browser.mjs";

const [html, shot, query, expectId, hoverId] = process.argv.slice(2);
const { page, url, log, close } = await openOffline(html);
const out = { url };
try {
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.kgState === "ready", null, { timeout: 60000 });
  out.readyMs = await page.evaluate(() => window.kgView.readyMs);
  out.painted = await paintedPixels(page);
  out.drawnNodes = await page.evaluate(() => {
    const net = window.kgView.network, pos = net.getPositions(), box = document.getElementById("graph").getBoundingClientRect();
    return Object.values(pos).filter((p) => {  // canvas coordinates -> inside the canvas box
      const d = net.canvasToDOM(p);
      return d.x >= 0 && d.y >= 0 && d.x <= box.width && d.y <= box.height;
    }).length;
  });
  out.physicsEnabled = await page.evaluate(() => window.kgView.network.physics.physicsEnabled);
  await page.screenshot({ path: shot });

  if (hoverId) {  // hover the node and read its tooltip
    const at = await page.evaluate((id) => {
      const net = window.kgView.network, i = window.kgView.indexOf(id);
      const p = net.canvasToDOM(net.getPositions([i])[i]), box = document.getElementById("graph").getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    }, hoverId);
    await page.mouse.move(at.x, at.y);
    await page.waitForSelector("div.vis-tooltip", { state: "visible", timeout: 5000 }).catch(() => {});
    out.tooltip = await page.evaluate(() => {
      const t = document.querySelector("div.vis-tooltip");
      return t && getComputedStyle(t).visibility === "visible" ? t.innerText : null;
    });
    await page.mouse.move(5, 895);
  }

  await page.fill("#search", query);
  out.results = await page.$$eval("#results li", (lis) => lis.map((li) => li.textContent));
  await page.press("#search", "Enter");
  await page.waitForTimeout(700);
  out.selected = await page.evaluate(() => window.kgView.selectedIds());
  out.details = await page.evaluate(() => document.getElementById("details").classList.contains("open")
    ? document.getElementById("details-body").innerText : null);
  await page.screenshot({ path: shot.replace(/\.png$/, "-search.png") });
  out.expectId = expectId;
  out.imgElements = await page.evaluate(() => document.querySelectorAll("img").length);
  out.scriptElements = await page.evaluate(() => document.querySelectorAll("script").length);
} catch (e) {
  out.failure = String(e);
} finally {
  Object.assign(out, log);
  await close();
}
console.log(JSON.stringify(out));
