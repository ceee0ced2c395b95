import type { IncomingMessage, ServerResponse } from 'node:http';
import { logCall, type Runtime } from './api.js';
import { readBody, sendText } from './wire.js';

/** The file's bytes: the first file part of a multipart body (WebClient's way), else the raw body. */
async function fileBytes(req: IncomingMessage, raw: Buffer): Promise<Buffer> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) return raw;
  const form = await new Response(new Uint8Array(raw), {
    headers: { 'content-type': contentType },
  }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return Buffer.from(String(form.get('body') ?? form.get('file') ?? ''), 'utf8');
}

/**
 * POST /upload/v1/<file_id>: the upload_url of files.getUploadURLExternal. Slack answers
 * 200 'OK - <bytes>'; an unknown id is a 404 here. Logged as method 'files.upload'.
 */
export async function answerUpload(
  rt: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  fileId: string,
): Promise<void> {
  const at = rt.now();
  const raw = await readBody(req);
  const file = rt.state.fileStore.get(fileId);
  if (!file) {
    logCall(rt, 'files.upload', { file_id: fileId }, at, {
      status: 404,
      body: { ok: false, error: 'file_not_found' },
    });
    sendText(res, 404, 'file_not_found');
    return;
  }
  file.bytes = await fileBytes(req, raw);
  logCall(rt, 'files.upload', { file_id: fileId, bytes: file.bytes.length }, at, {
    status: 200,
    body: { ok: true },
  });
  sendText(res, 200, `OK - ${file.bytes.length}`);
}
