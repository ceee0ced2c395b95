import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { scriptCommands } from '../../src/adapters/aws/ssm.js';
import { parseCallerReport } from '../../src/domain/fixes/callers.js';

const SCRIPT = 'deploy/ssm/find-imdsv1-callers.sh';
const FIXTURES = 'test/fixtures/find-callers';

const sh = (...args: string[]): string =>
  execFileSync('sh', [SCRIPT, ...args], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });

describe('find-imdsv1-callers.sh, its report from a capture (the part that runs without tcpdump)', () => {
  it('counts the requests without a token per process, maps ports to pids, IPv6 too', () => {
    const out = sh('--parse', `${FIXTURES}/capture.txt`, `${FIXTURES}/sockets.txt`, '60');
    expect(parseCallerReport(out)).toEqual({
      status: 'ok',
      windowSeconds: 60,
      requests: 7,
      withoutToken: 5,
      unreadLines: 0,
      truncated: false,
      callers: [
        // two connections of one process, the last path it asked for
        { pid: 2211, v1: 3, v2: 0, process: 'python2.7', lastPath: '/latest/meta-data/', commandLine: null },
        // its socket closed before ss saw it: no process, but the request is counted
        {
          pid: null,
          v1: 1,
          v2: 0,
          process: null,
          lastPath: '/latest/meta-data/placement/region',
          commandLine: null,
        },
        // over IPv6; the name is the instance's data, kept as it is for the Slack side to escape
        {
          pid: 4040,
          v1: 1,
          v2: 0,
          process: '<!channel> `x`',
          lastPath: '/latest/user-data',
          commandLine: null,
        },
      ],
    });
  });

  it('a process using IMDSv2 only (token PUT, then GETs with the header) is not a caller', () => {
    const out = sh('--parse', `${FIXTURES}/capture.txt`, `${FIXTURES}/sockets.txt`, '60');
    expect(out).not.toMatch(/\taws\t/);
  });

  it('an empty capture reports no request', () => {
    const out = sh('--parse', '/dev/null', '/dev/null', '30');
    expect(parseCallerReport(out)).toMatchObject({
      status: 'ok',
      windowSeconds: 30,
      requests: 0,
      callers: [],
    });
  });

  it('without tcpdump it says so and installs nothing', () => {
    const out = sh('10');
    const report = parseCallerReport(out);
    expect(report.status).toBe('unavailable');
    expect(report.status === 'unavailable' && report.reason).toMatch(/tcpdump is not installed|needs root/);
  });

  it('is sent as AWS-RunShellScript lines, the watch set first', () => {
    const lines = scriptCommands('#!/bin/sh\necho hi', 45);
    expect(lines).toEqual(['set -- 45', '#!/bin/sh', 'echo hi']);
  });
});

describe('parseCallerReport: the output is the instance’s, so nothing in it is trusted', () => {
  it.each([
    ['not a report', 'Permission denied\n', 'unreadable'],
    [
      'unavailable',
      'imds-v1-callers\t1\nstatus\tunavailable\ttcpdump is not installed\nend\n',
      'unavailable',
    ],
  ])('%s', (_, out, status) => {
    expect(parseCallerReport(out).status).toBe(status);
  });

  it('a report cut short by SSM is marked truncated; lines that do not fit are counted, not read', () => {
    const out =
      'imds-v1-callers\t1\nstatus\tok\nwindow\t60\nrequests\t9\t9\ncaller\tx\t1\t0\tp\t/\t-\ncaller\t7\t9\t0\tp\t/latest/';
    const r = parseCallerReport(out);
    expect(r).toMatchObject({ status: 'ok', truncated: true, unreadLines: 1 });
    expect(r.status === 'ok' && r.callers).toEqual([
      { pid: 7, v1: 9, v2: 0, process: 'p', lastPath: '/latest/', commandLine: null },
    ]);
  });
});
