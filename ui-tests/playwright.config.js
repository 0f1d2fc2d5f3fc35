/**
 * Playwright configuration: Galata's defaults, driving Debian's Chromium.
 *
 * No Playwright browser is ever downloaded (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1);
 * CHROMIUM_PATH may point to another Chromium.
 *
 * Two JupyterLab servers (see jupyter_server_test_config.py): the main one
 * (SMCOST_UI_PORT) in a simulated Studio space whose AWS emulator listens on
 * SMCOST_EMULATOR_PORT, and one (SMCOST_UI_READONLY_PORT) whose administrator
 * does not allow users to change the timeout (the `readonly` project).
 *
 * The three ports are free ones picked here, unless set: a port that is set
 * must be free, or the run stops and says which one is taken. Playwright
 * never attaches to a server it did not start (a foreign Jupyter on 8888,
 * say), unless SMCOST_UI_REUSE_SERVER=1 asks it to reuse the servers already
 * on the ports that are set.
 */
const { execFileSync } = require('child_process');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const chromium = require('./chromium');

const PORTS = {
  SMCOST_UI_PORT: 'the main JupyterLab',
  SMCOST_UI_READONLY_PORT: 'the read-only JupyterLab',
  SMCOST_EMULATOR_PORT: 'the AWS emulator'
};
const reuse = process.env.SMCOST_UI_REUSE_SERVER === '1';

/**
 * For each name: whether its port (null: pick one) can be bound on
 * 127.0.0.1, and a free port for those with none. Run in a child Node, as
 * the config is loaded synchronously.
 */
function probePorts(wanted) {
  const script = `
    const net = require('net');
    const wanted = ${JSON.stringify(wanted)};
    const servers = [];
    const probe = ([name, port]) => new Promise(resolve => {
      const server = net.createServer();
      server.once('error', () => resolve([name, port, false]));
      server.listen(port ?? 0, '127.0.0.1', () => {
        servers.push(server);
        resolve([name, server.address().port, true]);
      });
    });
    // All open at once: the picked ports differ from each other.
    Promise.all(Object.entries(wanted).map(probe)).then(result => {
      servers.forEach(server => server.close());
      process.stdout.write(JSON.stringify(result));
    });`;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  );
}

// Workers load this file again: the main process has already set the ports
// (and its servers now hold them), so only it picks and checks.
if (!process.env.SMCOST_UI_PORTS_READY) {
  const wanted = {};
  for (const name of Object.keys(PORTS)) {
    const value = process.env[name];
    if (value && !/^\d+$/.test(value)) {
      throw new Error(`${name}=${value} is not a port number`);
    }
    wanted[name] = value ? Number(value) : null;
  }
  const taken = [];
  for (const [name, port, free] of probePorts(wanted)) {
    if (!free && !reuse) {
      taken.push(`port ${port} (${name}, for ${PORTS[name]})`);
    }
    process.env[name] = String(port);
  }
  if (taken.length) {
    throw new Error(
      `jupyter-smcost UI tests: ${taken.join(', ')} ` +
        `${taken.length > 1 ? 'are' : 'is'} in use by another process. ` +
        'Free it, or unset the variable to let the tests pick a free port.'
    );
  }
  process.env.SMCOST_UI_PORTS_READY = '1';
  console.log(
    `jupyter-smcost UI tests: JupyterLab on ${process.env.SMCOST_UI_PORT}, ` +
      `read-only JupyterLab on ${process.env.SMCOST_UI_READONLY_PORT}, ` +
      `AWS emulator on ${process.env.SMCOST_EMULATOR_PORT}`
  );
}

const MAIN_URL = `http://127.0.0.1:${process.env.SMCOST_UI_PORT}`;
const READONLY_URL = `http://127.0.0.1:${process.env.SMCOST_UI_READONLY_PORT}`;

module.exports = {
  ...baseConfig,
  // Not tests-replica/ (the replica tier, playwright.replica.config.js).
  testDir: './tests',
  // The tests share one server and its idle clock: one at a time.
  workers: 1,
  fullyParallel: false,
  reporter: [[process.env.CI ? 'line' : 'list'], ['html', { open: 'never' }]],
  // One set of pictures for both projects.
  snapshotPathTemplate:
    '{testDir}/{testFilePath}-snapshots/{arg}-{platform}{ext}',
  use: {
    ...baseConfig.use,
    launchOptions: chromium.launchOptions,
    // Galata's default records videos, which needs Playwright's own ffmpeg.
    video: 'off',
    trace: 'retain-on-failure'
  },
  projects: [
    {
      name: 'studio',
      testIgnore: /readonly\.spec\.ts/,
      use: { baseURL: MAIN_URL }
    },
    {
      name: 'readonly',
      testMatch: /readonly\.spec\.ts/,
      use: { baseURL: READONLY_URL }
    }
  ],
  webServer: [
    {
      command: 'jlpm start',
      url: `${MAIN_URL}/lab`,
      timeout: 120 * 1000,
      reuseExistingServer: reuse,
      // The servers' logs only with SMCOST_SERVER_LOG=1.
      stderr: process.env.SMCOST_SERVER_LOG ? 'pipe' : 'ignore'
    },
    {
      command: 'jlpm start',
      url: `${READONLY_URL}/lab`,
      timeout: 120 * 1000,
      env: { SMCOST_GALATA_READONLY: '1' },
      reuseExistingServer: reuse,
      stderr: process.env.SMCOST_SERVER_LOG ? 'pipe' : 'ignore'
    }
  ]
};
