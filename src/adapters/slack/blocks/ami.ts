import type { Finding } from '../../../domain/findings/model.js';
import { code, type Mrkdwn, md } from '../text.js';

/**
 * The AMI line of an instance's card: an AMI registered without ImdsSupport v2.0 gives new instances
 * nothing, so they start with IMDSv1 allowed unless the launch template or the account default
 * requires tokens (EC2 User Guide, "Order of precedence for instance metadata options"). Null when
 * the AMI has v2.0 or was not read.
 */
export function amiLine(f: Pick<Finding, 'ami'>): Mrkdwn | null {
  if (!f.ami || f.ami.imdsSupport === 'v2.0') return null;
  const name = f.ami.name ? md` (${f.ami.name})` : md``;
  return md`:cd: AMI ${code(f.ami.imageId, 40)}${name} has no ImdsSupport v2.0: new instances from it start with IMDSv1 unless the launch template or the account default says otherwise`;
}
