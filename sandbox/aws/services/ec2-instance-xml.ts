import { metadataState, STATE_CODES } from '../instance-view.js';
import type { InstanceRecord, MetadataOptionsModel } from '../types.js';
import { isoTime, type XmlWriter } from '../wire/xml.js';

export function writeTags(out: XmlWriter, tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length === 0) return;
  out.list('tagSet', 'item', entries, (w, [key, value]) => w.leaf('key', key).leaf('value', value));
}

export function writeMetadataOptions(
  out: XmlWriter,
  tag: string,
  options: Partial<MetadataOptionsModel>,
  state: 'pending' | 'applied' | null,
): void {
  out.node(tag, (w) =>
    w
      .leaf('state', state)
      .leaf('httpTokens', options.httpTokens)
      .leaf('httpPutResponseHopLimit', options.httpPutResponseHopLimit)
      .leaf('httpEndpoint', options.httpEndpoint)
      .leaf('httpProtocolIpv6', options.httpProtocolIpv6)
      .leaf('instanceMetadataTags', options.instanceMetadataTags),
  );
}

function writeInstance(out: XmlWriter, i: InstanceRecord, nowMs: number): void {
  out
    .leaf('instanceId', i.instanceId)
    .leaf('imageId', i.imageId)
    .node('instanceState', (w) => w.leaf('code', STATE_CODES[i.state]).leaf('name', i.state))
    .leaf('privateDnsName', `ip-${i.privateIp.replaceAll('.', '-')}.${i.region}.compute.internal`)
    .leaf('instanceType', i.instanceType)
    .leaf('launchTime', isoTime(i.launchTime))
    .node('placement', (w) => w.leaf('availabilityZone', i.availabilityZone).leaf('tenancy', 'default'))
    .leaf('privateIpAddress', i.state === 'terminated' ? null : i.privateIp)
    .leaf('ipAddress', i.state === 'running' ? i.publicIp : null)
    .leaf('architecture', 'x86_64');
  if (i.iamInstanceProfile) {
    const profile = i.iamInstanceProfile;
    out.node('iamInstanceProfile', (w) => w.leaf('arn', profile.arn).leaf('id', profile.id));
  }
  writeTags(out, i.tags);
  writeMetadataOptions(out, 'metadataOptions', i.metadata, metadataState(i, nowMs));
}

/** `reservationSet`: consecutive instances of one reservation share an item. */
export function writeReservations(out: XmlWriter, instances: readonly InstanceRecord[], nowMs: number): void {
  out.open('reservationSet');
  let index = 0;
  while (index < instances.length) {
    const first = instances[index];
    if (!first) break;
    out
      .open('item')
      .leaf('reservationId', first.reservationId)
      .leaf('ownerId', first.accountId)
      .open('groupSet')
      .close('groupSet');
    out.open('instancesSet');
    while (index < instances.length && instances[index]?.reservationId === first.reservationId) {
      const instance = instances[index] as InstanceRecord;
      out.open('item');
      writeInstance(out, instance, nowMs);
      out.close('item');
      index++;
    }
    out.close('instancesSet').close('item');
  }
  out.close('reservationSet');
}
