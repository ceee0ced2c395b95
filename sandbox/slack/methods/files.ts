import { fileJson } from '../files.js';
import type { Args, StoredFile } from '../types.js';
import { type Body, type Failure, fail, int, type MethodContext, ok, str } from './args.js';

export function getUploadURLExternal(ctx: MethodContext, args: Args): Body {
  const filename = str(args, 'filename');
  const length = int(args, 'length');
  if (!filename) return fail('invalid_arguments', ['[ERROR] missing required field: filename']);
  if (length === undefined || length < 0)
    return fail('invalid_arguments', ['[ERROR] missing required field: length']);
  const file = ctx.state.fileStore.reserve(filename, length);
  return ok({ upload_url: `${ctx.baseUrl}/upload/v1/${file.id}`, file_id: file.id });
}

/** The `files` argument: [{ id, title? }], every file reserved and uploaded. */
function filesArg(ctx: MethodContext, value: unknown): Array<{ file: StoredFile; title?: string }> | Failure {
  if (!Array.isArray(value) || value.length === 0) {
    return fail('invalid_arguments', ['[ERROR] missing required field: files']);
  }
  const out: Array<{ file: StoredFile; title?: string }> = [];
  for (const entry of value as Array<{ id?: unknown; title?: unknown }>) {
    const file = typeof entry?.id === 'string' ? ctx.state.fileStore.get(entry.id) : undefined;
    if (!file || file.bytes === null) return fail('file_not_found');
    out.push(typeof entry.title === 'string' ? { file, title: entry.title } : { file });
  }
  return out;
}

/** Completes uploads; with channel_id, shares them there in one message (initial_comment as its text). */
export function completeUploadExternal(ctx: MethodContext, args: Args): Body {
  const files = filesArg(ctx, args.files);
  if ('error' in files) return files;
  const target = str(args, 'channel_id') ?? str(args, 'channels');
  const lookup = target ? ctx.state.directory.resolve(target) : undefined;
  if (lookup && !lookup.ok) return fail('channel_not_found');
  const channelId = lookup?.ok ? lookup.channel.id : undefined;
  const initialComment = str(args, 'initial_comment');
  const threadTs = str(args, 'thread_ts');
  for (const { file, title } of files) {
    Object.assign(file, { title: title ?? file.title, completed: true });
    Object.assign(file, { channel_id: channelId, initial_comment: initialComment, thread_ts: threadTs });
  }
  if (channelId) {
    ctx.state.messages.post({
      channel: channelId,
      text: initialComment ?? '',
      blocks: Array.isArray(args.blocks) ? args.blocks : undefined,
      thread_ts: threadTs,
      user: ctx.state.botUserId,
      files: files.map((f) => f.file.id),
      source: 'file_share',
    });
  }
  const created = Math.floor(ctx.now() / 1000);
  return ok({ files: files.map(({ file }) => fileJson(file, ctx.state.botUserId, created)) });
}
