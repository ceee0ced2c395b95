import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A peer that answers every call with HTTP 200 and the body chosen last (`answer`). */
export async function fixedPeer(): Promise<{
  url: string;
  answer(body: string): void;
  close(): Promise<void>;
}> {
  let body = '';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer: (b) => {
      body = b;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
