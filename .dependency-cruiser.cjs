/**
 * The shape of src/ (see README "Layout"): cli -> main -> adapters -> app -> domain, no cycles,
 * the sandbox never imported by the product. `npm run lint` runs this; a violation fails CI.
 */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'product-never-imports-sandbox',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^sandbox/' },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ imports only domain/ and zod: no I/O, no SDKs',
      severity: 'warn' /* TODO(issue 10): error once the last violation is gone */,
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^src/config/[a-z-]+-(schema|limits)\\.ts$', 'zod', '^crypto$'] },
    },
    {
      name: 'app-imports-domain-only',
      comment: 'use cases reach AWS, Redis, queues and Slack through domain/ports.ts',
      severity: 'warn' /* TODO(issue 10): error once the last violation is gone */,
      from: { path: '^src/app/' },
      to: {
        pathNot: [
          '^src/domain/',
          '^src/app/',
          '^src/config/[a-z-]+-(schema|limits)\\.ts$',
          'zod',
          '^crypto$',
        ],
      },
    },
    {
      name: 'only-cli-imports-main',
      severity: 'warn' /* TODO(issue 10): error once the last violation is gone */,
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/main\\.ts$'] },
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'adapters-never-import-cli',
      severity: 'error',
      from: { path: '^src/(adapters|app|domain|config|report)/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
