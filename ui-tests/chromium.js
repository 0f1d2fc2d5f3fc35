/**
 * How the UI tests drive Debian's Chromium: no Playwright browser is ever
 * downloaded (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1); CHROMIUM_PATH may point to
 * another Chromium. Shared by playwright.config.js
 * and playwright.replica.config.js.
 */
module.exports = {
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run'
    ]
  }
};
