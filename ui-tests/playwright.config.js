/**
 * Playwright configuration: Galata's defaults, driving Debian's Chromium.
 *
 * No Playwright browser is ever downloaded (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1);
 * CHROMIUM_PATH may point to another Chromium.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  reporter: [[process.env.CI ? 'line' : 'list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
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
    },
    // Galata's default records videos, which needs Playwright's own ffmpeg.
    video: 'off',
    trace: 'retain-on-failure'
  },
  webServer: {
    command: 'jlpm start',
    url: 'http://localhost:8888/lab',
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
