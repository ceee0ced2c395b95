import { describe, expect, it } from 'vitest';
import { instanceSection } from '../../src/adapters/slack/blocks/instance.js';
import { instanceStatusMessage } from '../../src/adapters/slack/blocks/status.js';
import { withAmis } from '../../src/domain/guardrails/amis.js';
import { makeFinding } from '../support/factories.js';

const LEGACY = { imageId: 'ami-0000000000000aaa1', name: 'legacy <!here> & co', imdsSupport: null };
const V2 = { imageId: 'ami-0000000000000bbb2', name: 'al2023', imdsSupport: 'v2.0' as const };
const ctx = { now: new Date(), regressed: false, buttonValue: () => 'ref' };
const textOf = (b: { text?: { text: string } }) => b.text?.text ?? '';

describe('AMIs on cards', () => {
  it('withAmis gives each finding its AMI as DescribeImages answered it; an AMI not returned stays absent', () => {
    const [a, b, c] = withAmis(
      [
        makeFinding({ imageId: LEGACY.imageId }),
        makeFinding({ imageId: V2.imageId }),
        makeFinding({ imageId: 'ami-0000000000000ccc3' }),
      ],
      [LEGACY, V2],
    );
    expect(a?.ami).toEqual(LEGACY);
    expect(b?.ami).toEqual(V2);
    expect(c?.ami).toBeUndefined();
  });

  it('a digest row and /imds status say new instances from an AMI without v2.0 start with IMDSv1, its name escaped', () => {
    const [f] = withAmis([makeFinding({ imageId: LEGACY.imageId })], [LEGACY]);
    if (!f) throw new Error('no finding');
    const want =
      'AMI `ami-0000000000000aaa1` (legacy &lt;!here&gt; &amp; co) has no ImdsSupport v2.0: new instances from it start with IMDSv1 unless the launch template or the account default says otherwise';

    expect(textOf(instanceSection(f, ctx))).toContain(want);
    expect(JSON.stringify(instanceStatusMessage(f, null).blocks)).toContain(want);
    expect(JSON.stringify(instanceStatusMessage(f, null).blocks)).not.toContain('<!here>');
  });

  it('no AMI line for an AMI with v2.0, or one that was not read', () => {
    const [v2] = withAmis([makeFinding({ imageId: V2.imageId })], [V2]);
    if (!v2) throw new Error('no finding');
    expect(textOf(instanceSection(v2, ctx))).not.toContain('ImdsSupport');
    expect(textOf(instanceSection(makeFinding({ imageId: LEGACY.imageId }), ctx))).not.toContain(
      'ImdsSupport',
    );
  });
});
