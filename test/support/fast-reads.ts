// What the tests of our fast readers (src/adapters/aws/fast-reads.ts) share.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { installFastReads } from '../../src/adapters/aws/fast-reads.js';
import { HUB, sdkConfig } from './emulator-clients.js';

/** Two EC2 clients on the same endpoint: the SDK's readers alone, and ours installed. */
export const clientsFor = (url: string, region = 'eu-west-1') => ({
  sdk: new EC2Client(sdkConfig(url, HUB, region)),
  ours: installFastReads(new EC2Client(sdkConfig(url, HUB, region))),
});

/** The same for Auto Scaling (an AWS Query service). */
export const autoScalingClientsFor = (url: string, region = 'eu-west-1') => ({
  sdk: new AutoScalingClient(sdkConfig(url, HUB, region)),
  ours: installFastReads(new AutoScalingClient(sdkConfig(url, HUB, region))),
});

/** A peer that answers every call with the body and HTTP status (200 unless told) chosen last. */
export async function fixedPeer(): Promise<{
  url: string;
  answer(body: string, status?: number): void;
  close(): Promise<void>;
}> {
  let body = '';
  let status = 200;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer: (b, s = 200) => {
      body = b;
      status = s;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
