/**
 * Playwright configuration: Galata's defaults, driving Debian's Chromium.
 *
 * No Playwright browser is ever downloaded (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1);
 * CHROMIUM_PATH may point to another Chromium.
 *
 * Two JupyterLab servers (see jupyter_server_test_config.py): the main one on
 * 8888 in a simulated Studio space whose AWS emulator listens on
 * SMCOST_EMULATOR_PORT (default 5599), and one on 8889 whose administrator
 * does not allow users to change the timeout (the `readonly` project).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

process.env.SMCOST_EMULATOR_PORT = process.env.SMCOST_EMULATOR_PORT || '5599';

module.exports = {
  ...baseConfig,
  // The tests share one server and its idle clock: one at a time.
  workers: 1,
  fullyParallel: false,
  reporter: [[process.env.CI ? 'line' : 'list'], ['html', { open: 'never' }]],
  // One set of pictures for both projects.
  snapshotPathTemplate:
    '{testDir}/{testFilePath}-snapshots/{arg}-{platform}{ext}',
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
  projects: [
    {
      name: 'studio',
      testIgnore: /readonly\.spec\.ts/,
      use: { baseURL: 'http://localhost:8888' }
    },
    {
      name: 'readonly',
      testMatch: /readonly\.spec\.ts/,
      use: { baseURL: 'http://localhost:8889' }
    }
  ],
  webServer: [
    {
      command: 'jlpm start',
      url: 'http://localhost:8888/lab',
      timeout: 120 * 1000,
      reuseExistingServer: !process.env.CI,
      // The servers' logs only with SMCOST_SERVER_LOG=1.
      stderr: process.env.SMCOST_SERVER_LOG ? 'pipe' : 'ignore'
    },
    {
      command: 'jlpm start',
      url: 'http://localhost:8889/lab',
      timeout: 120 * 1000,
      env: { SMCOST_GALATA_READONLY: '1' },
      reuseExistingServer: !process.env.CI,
      stderr: process.env.SMCOST_SERVER_LOG ? 'pipe' : 'ignore'
    }
  ]
};
