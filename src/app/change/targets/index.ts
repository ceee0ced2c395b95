import type { ChangeRequest, ChangeTarget } from '../../../domain/change/request-schema.js';
import { accountDefault } from './account-default.js';
import { asgRefresh } from './asg-refresh.js';
import { bulk } from './bulk.js';
import { findCaller } from './find-caller.js';
import { instance } from './instance.js';
import { launchTemplate } from './launch-template.js';
import type { AuditTarget, TargetKind } from './target.js';

/**
 * Every kind of change target, by its `type`. A new kind is one file (see target.ts) and one line
 * here, next to its shape in src/domain/change/request-schema.ts.
 */
const TARGETS: { [K in ChangeTarget['type']]: TargetKind<Extract<ChangeTarget, { type: K }>> } = {
  instance,
  'launch-template': launchTemplate,
  'account-default': accountDefault,
  bulk,
  asg: asgRefresh,
  'find-caller': findCaller,
};

/** The kind of a target: what change control does with it. */
export const targetOf = <T extends ChangeTarget>(t: T): TargetKind<T> =>
  TARGETS[t.type as T['type']] as unknown as TargetKind<T>;

/** What an audit entry of a request names: the account, region and resource (a bulk: `bulk:<id>`). */
export const auditTarget = (cr: ChangeRequest): AuditTarget =>
  targetOf(cr.target).auditTarget(cr.target, cr.id);
