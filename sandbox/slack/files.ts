import type { IdMaker } from './ids.js';
import type { StoredFile } from './types.js';

/** Files of the three-step upload (getUploadURLExternal → POST bytes → completeUploadExternal). */
export class FileStore {
  private readonly byId = new Map<string, StoredFile>();

  constructor(private readonly ids: IdMaker) {}

  reserve(filename: string, length: number): StoredFile {
    const file: StoredFile = {
      id: this.ids.id('F'),
      filename,
      title: filename,
      length,
      bytes: null,
      channel_id: undefined,
      initial_comment: undefined,
      thread_ts: undefined,
      completed: false,
    };
    this.byId.set(file.id, file);
    return file;
  }

  get(id: string): StoredFile | undefined {
    return this.byId.get(id);
  }

  /** Every file that completed its upload, in upload order. */
  completed(): StoredFile[] {
    return [...this.byId.values()].filter((f) => f.completed);
  }
}

/** The file object files.completeUploadExternal returns. */
export function fileJson(file: StoredFile, userId: string, created: number): Record<string, unknown> {
  return {
    id: file.id,
    created,
    timestamp: created,
    name: file.filename,
    title: file.title,
    mimetype: 'application/octet-stream',
    filetype: file.filename.includes('.') ? file.filename.slice(file.filename.lastIndexOf('.') + 1) : '',
    user: userId,
    size: file.bytes?.length ?? file.length,
    is_external: false,
    url_private: `https://files.slack.com/files-pri/fake/${file.id}/${encodeURIComponent(file.filename)}`,
    channels: file.channel_id ? [file.channel_id] : [],
  };
}
