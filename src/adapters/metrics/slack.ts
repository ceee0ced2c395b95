import type { LabelValue, Metrics } from './catalog.js';

type Outcome = LabelValue<'slackCalls', 'outcome'>;

/** The Web API method of a request URL: https://slack.com/api/chat.postMessage -> chat.postMessage */
export function slackMethodOf(url: string): string {
  const last = new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? 'unknown';
  // a method name only (it becomes a label): anything else is counted as one "other" method
  return /^[a-zA-Z]+(\.[a-zA-Z]+)+$/.test(last) ? last : 'other';
}

async function outcomeOf(res: Response): Promise<Outcome> {
  if (res.status === 429) return 'rate_limited';
  if (!res.ok) return 'error';
  try {
    const body = (await res.clone().json()) as { ok?: unknown };
    return body.ok === false ? 'error' : 'ok';
  } catch {
    return 'error';
  }
}

/**
 * A fetch for @slack/web-api's WebClient (its `fetch` option) that counts each call by method and
 * outcome; 429s are what the Slack 429-storm alert watches. The response is passed on untouched.
 */
export function countingFetch(
  metrics: Pick<Metrics, 'slackCalls'>,
  inner: typeof fetch = globalThis.fetch,
): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = slackMethodOf(url);
    try {
      const res = await inner(input, init);
      metrics.slackCalls.inc({ method, outcome: await outcomeOf(res) });
      return res;
    } catch (err) {
      metrics.slackCalls.inc({ method, outcome: 'error' });
      throw err;
    }
  };
}
