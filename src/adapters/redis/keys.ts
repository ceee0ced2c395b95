/**
 * Every Redis key of ours, in one place: one function per key family, all under the configured
 * prefix (`IMDS_BOT_PREFIX`, `imds` by default; BullMQ's keys under `<prefix>:bull`).
 *
 * Hash tags (Redis Cluster): a Lua script, MULTI/EXEC or MGET must touch keys of one hash slot.
 * The stores' scripts and transactions cross families (a change request's hash, its state sets,
 * its open-target locks; a snapshot, the scope set and the laggard hash; a card and its indexes;
 * BullMQ's scripts over a queue's keys), so one installation is one hash tag: the prefix carries it
 * (`{imds}`), and Redis hashes only the text between the braces, so every key below shares its slot.
 * On a single node a prefix without braces behaves exactly as it always did.
 */
export function redisKeys(prefix: string) {
  const k = (...parts: string[]) => [prefix, ...parts].join(':');
  const audit = (...parts: string[]) => k('audit', ...parts);
  return {
    prefix,
    /** BullMQ's prefix for every queue of ours (its keys are `<bull>:<queue>:…`) */
    bull: k('bull'),

    // findings (findings.ts)
    /** the latest snapshot of a scope (`<account>:<region>`) */
    snapshot: (scope: string) => k('snap', scope),
    /** set of scope keys that have a snapshot */
    scopes: () => k('scopes'),
    /** hash instanceId -> scope key */
    where: () => k('where'),
    /** hash instanceKey -> when first seen as a laggard */
    laggardSince: () => k('laggard-since'),
    /** set of instanceKeys that regressed since the last digest */
    regressed: () => k('regressed'),
    /** of those, the instanceKeys that were launched allowing IMDSv1 (drift RunInstances events) */
    regressedLaunched: () => k('regressed-launched'),
    /** hash instanceId -> the InstanceChange the bot last made, per scope */
    changed: (scope: string) => k('changed', scope),
    /** sorted set of instances enforced in a scope, watched for rejected IMDSv1 calls */
    watch: (scope: string) => k('watch', scope),
    /** hash instanceKey -> the request that enforced it */
    watchRequest: () => k('watch-req'),
    /** capped list of scan records, newest first */
    scans: () => k('scans'),
    /** one scope's progress in one scan */
    scopeProgress: (scanId: string, scope: string) => k('scope-progress', scanId, scope),
    /** the organization's SCPs and declarative policies, as the latest scan read them */
    organizationPolicies: () => k('org-policies'),
    /** hash finding id -> what archiving it needs, per Security Hub product account and region */
    securityHubOpen: (accountId: string, region: string) => k('securityhub', 'open', accountId, region),
    /** a drift event (EventBridge id) already handled, kept a day */
    driftHandled: (eventId: string) => k('drift-handled', eventId),
    /** when the first drift event of the current alert burst came (epoch ms) */
    driftAlertFirst: () => k('drift-alert-first'),
    /** the lock of a running scan over a scope id */
    scanLock: (scopeId: string) => k('scan-lock', scopeId),

    // change control (change-requests.ts, change-memo.ts)
    request: (id: string) => k('cr', id),
    requestsInState: (state: string) => k('cr-state', state),
    requestsBy: (userId: string) => k('cr-by', userId),
    /** a target's requests (kind `cr-target`) or its applied enforcements (`cr-applied`) */
    requestsOfTarget: (
      kind: 'cr-target' | 'cr-applied',
      accountId: string,
      region: string,
      resource: string,
    ) => k(kind, accountId, region, resource),
    /** the one open request holding a target */
    openRequest: (openRef: string) => k('cr-open', openRef),
    requestBefore: (key: string) => k('cr-before', key),
    requestTemplateRow: (id: string) => k('cr-template-row', id),
    /** hash request id -> the next poll of the instance refresh its card follows */
    refreshWatches: () => k('refresh-watches'),
    bulkCounts: (id: string) => k('bulk', id),
    bulkSkipped: (id: string) => k('bulk-skipped', id),
    /** hash instance id -> its first counted outcome */
    bulkItems: (id: string) => k('bulk-items', id),

    // audit trail (audit.ts)
    auditStream: () => k('audit'),
    auditHead: () => audit('head'),
    auditIdempotency: (key: string) => audit('idem', key),
    auditIndex: (by: 'resource' | 'user', value: string) => audit('idx', by, value),
    /** a sink's last delivered entry {seq, id} (audit-sink/stream.ts) */
    auditSinkCursor: (sink: string) => audit('sink', sink, 'cursor'),
    /** the process that streams to a sink now (a lease) */
    auditSinkLease: (sink: string) => audit('sink', sink, 'lease'),

    // cards, snoozes, acks, rate limits
    card: (cardKey: string) => k('card', cardKey),
    cardsOf: (by: 'instance' | 'request', value: string) => k('cards-of', by, value),
    snooze: (instanceKey: string) => k('snooze', instanceKey),
    snoozeWake: () => k('snoozes', 'wake'),
    acks: () => k('acks'),
    rateBucket: (key: string) => k('rate', key),

    // Slack side (slack-state.ts)
    /** a digest button's opaque id -> the instance it stands for */
    buttonRef: (id: string) => k('ref', id),
    /** a user's App Home rows */
    home: (userId: string) => k('home', userId),
    /** hash ownerKey -> the fingerprint of the last digest delivered */
    digestFingerprints: () => k('digest-fingerprints'),
    /** an owner tag value's route (owner is hashed: it is text from a tag) */
    ownerRoute: (ownerHash: string) => k('owner', ownerHash),
    usergroup: (group: string) => k('usergroup', group),
    userActive: (userId: string) => k('user-active', userId),
    rejectionAlert: (instanceKey: string) => k('rejection-alert', instanceKey),
    slackSeen: (deliveryKey: string) => k('slack-seen', deliveryKey),
    cardVersion: (channel: string, ts: string) => k('card-version', channel, ts),
    cardVersionLock: (channel: string, ts: string) => k('card-version', channel, ts, 'lock'),
    requestNotes: (id: string) => k('cr-notes', id),
    requestOrigin: (id: string) => k('cr-origin', id),
    /** the Auto Scaling groups an applied template fix's card offers to refresh */
    requestOffers: (id: string) => k('cr-offers', id),
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

/** The hash tag Redis Cluster hashes for a key: the text inside its first `{…}` when not empty. */
export function hashTagOf(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}
