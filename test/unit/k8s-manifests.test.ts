// The Kubernetes manifests (deploy/k8s), rendered by the real `kubectl kustomize` and checked as data.
// scripts/ensure-deps.sh installs Debian's kubernetes-client where kubectl is missing; KUBECTL picks
// another binary (e.g. an older kubectl, to check the kustomize v2 compatibility the files promise).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { parseWorkflow } from '../../src/config/workflow.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const kubectl = process.env.KUBECTL ?? 'kubectl';

const Meta = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const Doc = z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: Meta });
type Doc = z.infer<typeof Doc>;

const Probe = z.looseObject({
  httpGet: z.strictObject({ path: z.string(), port: z.union([z.string(), z.number()]) }),
});
const EnvVar = z.strictObject({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z
    .strictObject({
      secretKeyRef: z.strictObject({ name: z.string(), key: z.string(), optional: z.boolean().optional() }),
    })
    .optional(),
});
const Quantities = z.strictObject({ cpu: z.string(), memory: z.string() });
const Container = z.looseObject({
  name: z.string(),
  image: z.string(),
  args: z.array(z.string()),
  env: z.array(EnvVar),
  envFrom: z.array(z.strictObject({ configMapRef: z.strictObject({ name: z.string() }) })),
  ports: z.array(z.strictObject({ name: z.string(), containerPort: z.number() })),
  livenessProbe: Probe,
  readinessProbe: Probe,
  resources: z.strictObject({ requests: Quantities, limits: Quantities }),
  securityContext: z.strictObject({
    allowPrivilegeEscalation: z.literal(false),
    readOnlyRootFilesystem: z.literal(true),
    capabilities: z.strictObject({ drop: z.tuple([z.literal('ALL')]) }),
  }),
  volumeMounts: z.array(z.looseObject({ name: z.string(), mountPath: z.string() })),
});
const Deployment = z.looseObject({
  metadata: Meta,
  spec: z.looseObject({
    replicas: z.number().int().min(1),
    selector: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
    template: z.looseObject({
      metadata: Meta.omit({ name: true }),
      spec: z.looseObject({
        serviceAccountName: z.string(),
        securityContext: z.strictObject({
          runAsNonRoot: z.literal(true),
          runAsUser: z.number().int().min(1),
          runAsGroup: z.number().int().min(1),
          seccompProfile: z.strictObject({ type: z.literal('RuntimeDefault') }),
        }),
        containers: z.tuple([Container]),
        volumes: z.array(z.looseObject({ name: z.string() })),
      }),
    }),
  }),
});
type Deployment = z.infer<typeof Deployment>;

function render(dir: string): Doc[] {
  let out: string;
  try {
    out = execFileSync(kubectl, ['kustomize', dir], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing ? `${kubectl} not found: run scripts/ensure-deps.sh (installs kubernetes-client)` : String(e),
    );
  }
  return parseAllDocuments(out).map((d) => Doc.parse(d.toJS()));
}

const base = render('deploy/k8s/base');
const overlay = render('deploy/k8s/overlays/example');
const kinds = (docs: Doc[]) => docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();
const one = (docs: Doc[], kind: string, name: string): Doc => {
  const found = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in ${kinds(docs).join(', ')}`);
  return found;
};
const deployment = (docs: Doc[], name: string): Deployment => Deployment.parse(one(docs, 'Deployment', name));
const container = (d: Deployment) => d.spec.template.spec.containers[0];
const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);
/** "100m" -> 0.1, "1" -> 1, "256Mi" -> 268435456 */
const quantity = (q: string): number => {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`quantity ${q}`);
  const unit = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
};

const DEPLOYMENTS = [
  ['imds-bot-worker', 'worker'],
  ['imds-bot-bot', 'serve'],
] as const;

describe('kubectl kustomize deploy/k8s', () => {
  it('base renders the two Deployments, their PDBs, the Service, the ServiceAccount and the settings', () => {
    expect(kinds(base)).toEqual([
      'ConfigMap/imds-bot-env',
      'Deployment/imds-bot-bot',
      'Deployment/imds-bot-worker',
      'PodDisruptionBudget/imds-bot-bot',
      'PodDisruptionBudget/imds-bot-worker',
      'Service/imds-bot',
      'ServiceAccount/imds-bot',
    ]);
  });

  it('holds no Secret: secrets are the operator’s, referenced by name', () => {
    expect([...base, ...overlay].filter((d) => d.kind === 'Secret')).toEqual([]);
  });

  it.each(DEPLOYMENTS)(
    '%s runs `%s` with probes on the metrics port that Prometheus scrapes',
    (name, arg) => {
      const d = deployment(base, name);
      const c = container(d);
      const metricsPort = c.ports.find((p) => p.name === 'metrics')?.containerPort;
      const settings = z
        .object({ data: z.object({ METRICS_PORT: z.string() }) })
        .parse(one(base, 'ConfigMap', 'imds-bot-env'));

      expect(c.args).toEqual([arg]);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
      expect(String(metricsPort)).toBe(settings.data.METRICS_PORT);
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'imds-bot-env' } }]);
      expect(d.spec.template.metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(metricsPort),
        'prometheus.io/path': '/metrics',
      });
    },
  );

  it.each(DEPLOYMENTS)('%s selects its own pods only and a PDB covers them', (name) => {
    const d = deployment(base, name);
    const pdb = z
      .object({
        spec: z.strictObject({
          maxUnavailable: z.number(),
          selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
        }),
      })
      .parse(one(base, 'PodDisruptionBudget', name));
    const other = DEPLOYMENTS.map(([n]) => deployment(base, n)).find((x) => x.metadata.name !== name);

    expect(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
    expect(matches(d.spec.selector.matchLabels, other?.spec.template.metadata.labels)).toBe(false);
    expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(pdb.spec.maxUnavailable).toBeLessThan(d.spec.replicas);
  });

  it.each(DEPLOYMENTS)('%s takes REDIS_URL and Slack tokens from Secrets, never inline', (name) => {
    const env = container(deployment(base, name)).env;
    const fromSecret = Object.fromEntries(
      env.flatMap((e) => (e.valueFrom ? [[e.name, e.valueFrom.secretKeyRef.name]] : [])),
    );

    expect(fromSecret.REDIS_URL).toBe('imds-bot-redis');
    expect(fromSecret.SLACK_BOT_TOKEN).toBe('imds-bot-slack');
    expect(env.filter((e) => e.value !== undefined && /TOKEN|SECRET|REDIS_URL|KEY/.test(e.name))).toEqual([]);
  });

  it('the bot takes either Slack mode’s secret, both optional, and exposes the receiver port', () => {
    const c = container(deployment(base, 'imds-bot-bot'));
    const optional = c.env.filter((e) => e.valueFrom?.secretKeyRef.optional).map((e) => e.name);
    const service = z
      .object({
        spec: z.object({
          selector: z.record(z.string(), z.string()),
          ports: z.array(z.object({ targetPort: z.string() })),
        }),
      })
      .parse(one(base, 'Service', 'imds-bot'));

    expect(optional.sort()).toEqual(['SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']);
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual(['slack']);
    expect(c.ports.find((p) => p.name === 'slack')?.containerPort).toBe(3000);
    expect(service.spec.selector).toEqual(deployment(base, 'imds-bot-bot').spec.selector.matchLabels);
  });

  it.each(DEPLOYMENTS)(
    '%s is non-root, read-only, writes only to an emptyDir /tmp, within its limits',
    (name) => {
      const d = deployment(base, name);
      const c = container(d);

      expect(d.spec.template.spec.securityContext.runAsUser).toBe(1000); // `node` in docker/Dockerfile
      expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(d.spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
      for (const r of ['cpu', 'memory'] as const) {
        expect(quantity(c.resources.requests[r])).toBeLessThanOrEqual(quantity(c.resources.limits[r]));
      }
    },
  );

  it('AWS credentials come from the service account (IRSA annotation), no access keys anywhere', () => {
    const sa = one(overlay, 'ServiceAccount', 'imds-bot');
    const names = DEPLOYMENTS.flatMap(([n]) => container(deployment(overlay, n)).env.map((e) => e.name));

    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(
      /^arn:aws:iam::\d{12}:role\/ImdsBotHub$/,
    );
    for (const [n] of DEPLOYMENTS)
      expect(deployment(overlay, n).spec.template.spec.serviceAccountName).toBe('imds-bot');
    expect(names.filter((n) => n.startsWith('AWS_ACCESS') || n.startsWith('AWS_SECRET'))).toEqual([]);
  });

  it('the example overlay puts everything in its namespace, enforcing the restricted Pod Security level', () => {
    const ns = one(overlay, 'Namespace', 'imds-bot');

    expect(overlay.filter((d) => d.kind !== 'Namespace' && d.metadata.namespace !== 'imds-bot')).toEqual([]);
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('the example overlay pins the image and mounts a workflow file that the bot accepts', () => {
    const workflowMap = overlay.find(
      (d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('imds-bot-workflow'),
    );
    const text = z.object({ data: z.object({ 'workflow.yaml': z.string() }) }).parse(workflowMap).data[
      'workflow.yaml'
    ];

    for (const [n] of DEPLOYMENTS) {
      const d = deployment(overlay, n);
      const c = container(d);
      expect(c.image).toMatch(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/imds-bot:\d+\.\d+\.\d+$/);
      expect(c.env.find((e) => e.name === 'WORKFLOW_FILE')?.value).toBe('/etc/imds-bot/workflow.yaml');
      expect(c.volumeMounts).toContainEqual({ name: 'workflow', mountPath: '/etc/imds-bot', readOnly: true });
      expect(d.spec.template.spec.volumes).toContainEqual({
        name: 'workflow',
        configMap: { name: workflowMap?.metadata.name },
      });
    }
    expect(parseWorkflow(text, 'workflow.yaml').name).toBe('org-rollout');
  });
});
