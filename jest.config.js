const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

// Packages shipped as ES modules that jest must transform.
const esModules = [
  '@codemirror',
  '@jupyter/',
  '@jupyterlab/',
  '@microsoft',
  'exenv-es6',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  collectCoverageFrom: [
    'src/**/*.{ts,tsx}',
    '!src/**/*.d.ts',
    '!src/__tests__/**',
    '!src/**/.ipynb_checkpoints/*'
  ],
  coverageReporters: ['lcov', 'text'],
  // The JUnit and GitHub reporters of the base config write files nobody reads here.
  reporters: ['default'],
  testRegex: 'src/.*/.*.spec.ts[x]?$',
  // The replica's environment (tests/replica/smd.py) holds JupyterLab's own mock packages.
  modulePathIgnorePatterns: ['<rootDir>/.replica/', '<rootDir>/.wheel-venv/'],
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
