import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
const ctx = await chromium.launchPersistentContext(mkdtempSync('/tmp/pw/u'), { executablePath: '/usr/bin/chromium', headless: true,
  args: ['--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync','--no-sandbox'], viewport: {width: 1280, height: 760} });
const page = ctx.pages()[0] || await ctx.newPage();
await page.goto('http://127.0.0.1:8080/?refresh_ms=200');
const f = page.frameLocator('[data-testid=plugin-salesforce]');
const state = async (label) => console.log(label, await page.evaluate(() => document.visibilityState), await f.locator('[data-testid=panel-active]').getAttribute('data-active'), await f.locator('[data-testid=request-count]').innerText());
await page.waitForTimeout(1000); await state('start');
const cdp = await ctx.newCDPSession(page);
const { windowId } = await cdp.send('Browser.getWindowForTarget');
await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: 'minimized' } });
await page.waitForTimeout(300); await state('min+300');
await page.waitForTimeout(1000); await state('min+1300');
await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: 'normal' } });
await page.waitForTimeout(300); await state('normal+300');
await ctx.close();
