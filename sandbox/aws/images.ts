/**
 * The AMIs the emulator knows, per region: who owns them, who they are shared with, and whether
 * they were registered with `ImdsSupport v2.0` (instances launched from them then default to
 * HttpTokens required). DescribeImages reads this; instances name their AMI by id (imageId).
 */

export interface ImageRecord {
  imageId: string;
  region: string;
  ownerId: string;
  name: string;
  /** 'v2.0', or null when the AMI does not set it */
  imdsSupport: 'v2.0' | null;
  isPublic: boolean;
  /** accounts it is shared with (launch permission) */
  sharedWith: string[];
  creationDate: number;
  /** set once deregistered: DescribeImages no longer returns it */
  deregistered: boolean;
}

export type ImageInput = Pick<ImageRecord, 'imageId' | 'region' | 'ownerId'> & Partial<ImageRecord>;

export class ImageCatalog {
  private readonly byId = new Map<string, ImageRecord>();

  add(input: ImageInput): ImageRecord {
    if (!/^ami-[0-9a-f]{8,17}$/.test(input.imageId)) throw new Error(`not an AMI id: ${input.imageId}`);
    const record: ImageRecord = {
      name: input.imageId,
      imdsSupport: null,
      isPublic: false,
      sharedWith: [],
      creationDate: Date.parse('2024-01-01T00:00:00.000Z'),
      deregistered: false,
      ...input,
    };
    this.byId.set(`${record.region}:${record.imageId}`, record);
    return record;
  }

  get(region: string, imageId: string): ImageRecord | undefined {
    return this.byId.get(`${region}:${imageId}`);
  }

  /** The images of a region that `accountId` may see: its own, public ones, ones shared with it. */
  visibleTo(accountId: string, region: string): ImageRecord[] {
    return [...this.byId.values()].filter(
      (i) =>
        i.region === region &&
        !i.deregistered &&
        (i.ownerId === accountId || i.isPublic || i.sharedWith.includes(accountId)),
    );
  }
}
