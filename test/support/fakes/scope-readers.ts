import type {
  AccountDefault,
  AmiImage,
  AutoScalingGroup,
  Instance,
  LaunchTemplate,
  Usage,
} from '../../../src/domain/findings/model.js';
import type { ScopeReaders } from '../../../src/domain/ports/inventory.js';

export interface FakeScope {
  instances: Instance[] | (() => Promise<Instance[]>);
  launchTemplates?: () => Promise<LaunchTemplate[]>;
  accountDefault?: () => Promise<AccountDefault | null>;
  autoScalingGroups?: () => Promise<AutoScalingGroup[]>;
  images?: (ids: string[]) => Promise<AmiImage[]>;
  /** MetadataNoToken per instance id (absent: no datapoints) */
  usage?: Record<string, Usage>;
  rejected?: Record<string, Usage>;
}

/** One account x region of a fake fleet; counts the reads so a test can tell what was read again. */
export function fakeScopeReaders(scope: FakeScope) {
  const calls: Record<string, number> = {};
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const readers: ScopeReaders = {
    inventory: {
      async instances() {
        count('instances');
        const instances = typeof scope.instances === 'function' ? await scope.instances() : scope.instances;
        return { instances, errors: [] };
      },
      async launchTemplates() {
        count('launchTemplates');
        return scope.launchTemplates ? scope.launchTemplates() : [];
      },
      async accountDefault() {
        count('accountDefault');
        return scope.accountDefault ? scope.accountDefault() : null;
      },
      async autoScalingGroups() {
        count('autoScalingGroups');
        return scope.autoScalingGroups ? scope.autoScalingGroups() : [];
      },
      async images(ids) {
        count('images');
        return scope.images ? scope.images(ids) : [];
      },
    },
    usage: {
      async read(ids, _win, metric = 'MetadataNoToken') {
        count(metric);
        const table = (metric === 'MetadataNoToken' ? scope.usage : scope.rejected) ?? {};
        return new Map(ids.flatMap((id) => (table[id] ? [[id, table[id]] as const] : [])));
      },
    },
  };
  return { readers, calls };
}
