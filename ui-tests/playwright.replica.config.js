/**
 * Playwright configuration of the replica tier (`make ui-replica-test`): the
 * SageMaker Distribution 4.4.1 replica's JupyterLab (tests/replica/smd.py),
 * with our wheel installed by the lifecycle script, in Debian's Chromium.
 *
 * tests/replica/serve.py builds or finds the replica, installs the wheel,
 * starts the AWS emulator (a demo Studio space) and the server under
 * `/jupyterlab/default`, and runs until Playwright stops it. Needs root and
 * Python 3.12 (the Makefile skips the tier, saying why, without them).
 *
 * SMCOST_REPLICA_PORT and SMCOST_REPLICA_EMULATOR_PORT are free ports picked
 * here unless set; SMCOST_REPLICA_TOKEN a random token unless set.
 * SMCOST_DEV_PYTHON is the Python that runs the launcher (default: the
 * repository's .venv).
 *
 * Plain @playwright/test, not Galata: Galata's page fixture expects its own
 * server configuration (no token, `/lab` at the root, the app exposed).
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const chromium = require('./chromium');

const REPO = path.resolve(__dirname, '..');

// Workers load this file again and inherit what the main process set.
if (!process.env.SMCOST_REPLICA_READY) {
  const picked = JSON.parse(
    execFileSync(
      process.execPath,
      [
        '-e',
        `const net = require('net');
         const open = () => new Promise(resolve => {
           const server = net.createServer();
           server.listen(0, '127.0.0.1', () => resolve(server));
         });
         Promise.all([open(), open()]).then(servers => {
           process.stdout.write(JSON.stringify(servers.map(s => s.address().port)));
           servers.forEach(s => s.close());
         });`
      ],
      { encoding: 'utf8' }
    )
  );
  process.env.SMCOST_REPLICA_PORT ||= String(picked[0]);
  process.env.SMCOST_REPLICA_EMULATOR_PORT ||= String(picked[1]);
  process.env.SMCOST_REPLICA_TOKEN ||= crypto.randomBytes(16).toString('hex');
  process.env.SMCOST_REPLICA_READY = '1';
}

const python =
  process.env.SMCOST_DEV_PYTHON ||
  (fs.existsSync(path.join(REPO, '.venv', 'bin', 'python'))
    ? path.join(REPO, '.venv', 'bin', 'python')
    : 'python3');
const ORIGIN = `http://127.0.0.1:${process.env.SMCOST_REPLICA_PORT}`;

module.exports = {
  testDir: './tests-replica',
  outputDir: './test-results-replica',
  // One server, one idle clock: one test at a time, in the file's order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  // The idle test sets its own (it waits 5 min).
  timeout: 120 * 1000,
  reporter: [
    [process.env.CI ? 'line' : 'list'],
    ['html', { open: 'never', outputFolder: 'playwright-report-replica' }]
  ],
  use: {
    baseURL: ORIGIN,
    launchOptions: chromium.launchOptions,
    video: 'off',
    trace: 'retain-on-failure'
  },
  webServer: {
    command: `"${python}" -m tests.replica.serve`,
    cwd: REPO,
    env: { PYTHONPATH: REPO },
    // Answers (302 to the login page) once the server is up under Studio's
    // base URL; the first build of the replica takes a minute or two.
    url: `${ORIGIN}/jupyterlab/default/lab`,
    timeout: 600 * 1000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    // Let the launcher stop the server and the emulator and clean up.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30 * 1000 }
  }
};
