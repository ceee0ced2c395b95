import type { FormCall, XmlAction } from '../context.js';
import type { ImageRecord } from '../images.js';
import { ApiError, invalidCombination } from '../wire/errors.js';
import { pageOf } from '../wire/tokens.js';
import { isoTime, type XmlWriter } from '../wire/xml.js';

/**
 * EC2 DescribeImages (EC2 Query): ImageId.N, Owner.N (account ids or `self`), Filter.N (image-id,
 * name, imds-support), MaxResults 5..1000 with NextToken. Each image carries `imdsSupport` when it
 * was registered with v2.0, as the EC2 API Reference's Image shape has it; absent otherwise.
 */

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;

type Predicate = (i: ImageRecord) => boolean;

const FILTERS: Record<string, (i: ImageRecord) => string | null> = {
  'image-id': (i) => i.imageId,
  name: (i) => i.name,
  'imds-support': (i) => i.imdsSupport,
  'owner-id': (i) => i.ownerId,
};

function filtersOf(call: FormCall): Predicate {
  const predicates = call.params.ec2Filters().map(({ name, values }): Predicate => {
    const read = FILTERS[name];
    if (!read) throw new ApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
    return (i) => {
      const v = read(i);
      return v !== null && values.includes(v);
    };
  });
  return (i) => predicates.every((p) => p(i));
}

function ownersOf(call: FormCall): Predicate {
  const owners = call.params.list('Owner').map((o) => (o === 'self' ? call.principal.accountId : o));
  return owners.length === 0 ? () => true : (i) => owners.includes(i.ownerId);
}

function byIds(ids: readonly string[], visible: readonly ImageRecord[]): ImageRecord[] {
  const malformed = ids.find((id) => !AMI_ID.test(id));
  if (malformed !== undefined) throw new ApiError('InvalidAMIID.Malformed', `Invalid id: "${malformed}"`);
  const found = ids.flatMap((id) => visible.filter((i) => i.imageId === id));
  const missing = ids.filter((id) => !found.some((i) => i.imageId === id));
  if (missing.length > 0)
    throw new ApiError('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
  return found;
}

function writeImage(out: XmlWriter, i: ImageRecord): void {
  out
    .leaf('imageId', i.imageId)
    .leaf('imageLocation', `${i.ownerId}/${i.name}`)
    .leaf('imageState', 'available')
    .leaf('imageOwnerId', i.ownerId)
    .leaf('creationDate', isoTime(i.creationDate))
    .leaf('isPublic', i.isPublic)
    .leaf('architecture', 'x86_64')
    .leaf('imageType', 'machine')
    .leaf('name', i.name)
    .leaf('rootDeviceType', 'ebs')
    .leaf('virtualizationType', 'hvm')
    .leaf('imdsSupport', i.imdsSupport);
}

const describeImages: XmlAction = (call, out) => {
  const ids = call.params.list('ImageId');
  const maxResults = call.params.int('MaxResults', 5, 1000);
  if (ids.length > 0 && maxResults !== undefined)
    throw invalidCombination('The parameter ImageIds cannot be used with the parameter MaxResults');
  const visible = call.fleet.images.visibleTo(call.principal.accountId, call.region);
  const filters = filtersOf(call);
  const owners = ownersOf(call);
  const keep = (i: ImageRecord) => filters(i) && owners(i);
  if (ids.length > 0) {
    out.list('imagesSet', 'item', byIds(ids, visible).filter(keep), writeImage);
    return;
  }
  const fingerprint = call.params.fingerprint(['NextToken', 'MaxResults']);
  const page = pageOf(
    visible.filter(keep),
    call.params.str('NextToken'),
    fingerprint,
    maxResults ?? 1000,
    'InvalidPaginationToken',
  );
  out.list('imagesSet', 'item', page.items, writeImage);
  out.leaf('nextToken', page.nextToken);
};

export const ec2ImageActions: Record<string, XmlAction> = { DescribeImages: describeImages };
