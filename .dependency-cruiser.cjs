/**
 * The shape of src/ (see README "Layout"): cli -> main (and its pieces in compose/) -> adapters -> app
 * -> domain, no cycles, the sandbox never imported by the product. `npm run lint` runs this; a violation fails CI.
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
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^src/config/[a-z-]+-(schema|limits)\\.ts$', 'zod', '^crypto$'] },
    },
    {
      name: 'app-imports-domain-only',
      comment: 'use cases reach AWS, Redis, queues and Slack through domain/ports/',
      severity: 'error',
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
      comment: 'main.ts is the composition root: adapters and use cases get what they need passed in',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/main\\.ts$'] },
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'only-main-imports-compose',
      comment: 'src/compose/ is the composition root split in pieces: main.ts (and each other) only',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '^src/compose/'] },
      to: { path: '^src/compose/' },
    },
    {
      name: 'compose-never-imports-cli-or-main',
      severity: 'error',
      from: { path: '^src/compose/' },
      to: { path: ['^src/cli/', '^src/main\\.ts$'] },
    },
    {
      name: 'adapters-never-import-cli',
      severity: 'error',
      from: { path: '^src/(adapters|app|domain|config|report)/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'adapters-in-order',
      comment:
        'no folder cycles between adapters: slack may use queue, redis and aws; queue may use redis; redis and aws use no other adapter (adapters/log.ts is shared)',
      severity: 'error',
      from: { path: '^src/adapters/(redis|aws|queue)/' },
      to: { path: '^src/adapters/slack/' },
    },
    {
      name: 'stores-and-aws-use-no-queue',
      severity: 'error',
      from: { path: '^src/adapters/(redis|aws)/' },
      to: { path: '^src/adapters/(queue|aws|redis)/', pathNot: '^src/adapters/$1/' },
    },
    {
      name: 'report-and-config-stay-below-adapters',
      severity: 'error',
      from: { path: '^src/(report|config)/' },
      to: { path: '^src/(adapters|app|cli)/' },
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
