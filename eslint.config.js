// Lint: the habits that keep the code's shape (issue 16). Type-aware rules come from typescript-eslint;
// the import boundaries are the design's never-arrows, so a wrong import fails CI instead of a review.
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const vendorClients = ['@slack/*', '@pagerduty/*', '@octokit/*'];
/** Folders `from` must never import, as `no-restricted-imports` patterns relative to any depth. */
const never = (folders, packages = []) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        ...folders.map((f) => ({
          group: [`**/${f}/*`, `**/${f}`],
          message: `This folder must not import ${f}/ (see the README's code map).`,
        })),
        ...packages.map((p) => ({
          group: [p],
          message: `This folder must not import ${p} (vendors are reached through ports).`,
        })),
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'test-artifacts/', 'bench/results/', 'templates/sandbox/*.js', '.ci/'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Control characters in a pattern are meant only where a comment allows them (input cleaning).
      'no-control-regex': 'error',
    },
  },
  // lib/ is the leaf everything may use: it imports no other folder of the project.
  {
    files: ['src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*'], message: 'lib/ imports no other folder.' }] }],
    },
  },
  {
    files: ['src/incidents/**/*.ts'],
    rules: never(
      ['slack', 'http', 'postmortem', 'pagerduty', 'statuspage', 'commands', 'sandbox', 'alertmanager'],
      vendorClients,
    ),
  },
  { files: ['src/commands/**/*.ts'], rules: never(['slack', 'http', 'sandbox'], vendorClients) },
  // Insights (issue 21): figures over a read port, drawn by the edges that import them.
  {
    files: ['src/insights/figures.ts', 'src/insights/insights-repository.ts'],
    rules: never(['slack', 'http', 'commands', 'sandbox', 'pagerduty', 'postmortem', 'statuspage'], vendorClients),
  },
  {
    files: ['src/pagerduty/**/*.ts', 'src/postmortem/**/*.ts', 'src/statuspage/**/*.ts', 'src/runbooks/**/*.ts'],
    rules: never(['slack', 'commands', 'sandbox'], ['@slack/*']),
  },
  // Alertmanager's webhook (issue 19): an edge like PagerDuty's, translating into the domain's alert event.
  { files: ['src/alertmanager/**/*.ts'], rules: never(['slack', 'commands', 'sandbox', 'pagerduty'], vendorClients) },
);
