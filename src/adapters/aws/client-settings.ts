import type { Provider, UserAgent } from '@aws-sdk/types';

/** The settings every SDK client looks up in the environment and the shared config files. */
interface LookedUp {
  config: {
    useFipsEndpoint: Provider<boolean>;
    useDualstackEndpoint: Provider<boolean>;
    userAgentAppId: Provider<string | undefined>;
    authSchemePreference: Provider<string[]>;
    defaultUserAgentProvider: Provider<UserAgent>;
  };
}

export type SharedSettings = Pick<LookedUp['config'], keyof LookedUp['config']>;

/** What a template lends to each new client once built: its endpoint lookup (see below). */
export type Borrow = (client: unknown) => void;

interface ConfiguredEndpoint {
  config: { serviceConfiguredEndpoint?: unknown };
}

/**
 * Each new SDK client looks up AWS_USE_FIPS_ENDPOINT, use_dualstack_endpoint, the app id, the
 * auth scheme preference and AWS_ENDPOINT_URL(_<SERVICE>) / endpoint_url /
 * ignore_configured_endpoint_urls again, in the environment and then ~/.aws/config, building an
 * error object for every miss, and builds its user agent again (on every request, too). A scan makes up to three clients
 * per account x region, so they borrow the (memoized) providers of one template client per
 * service and region: the SDK's own lookups, done once per region. The template never sends.
 * The endpoint lookup is the SDK's internal `serviceConfiguredEndpoint` (memoized per client):
 * when an SDK version no longer has it, nothing is borrowed and each client looks it up itself.
 */
const once = <V>(provider: Provider<V>): Provider<V> => {
  let value: Promise<V> | undefined;
  return () => {
    if (value === undefined) {
      const pending = provider();
      // a failed lookup is not kept: the next request asks again
      pending.catch(() => {
        if (value === pending) value = undefined;
      });
      value = pending;
    }
    return value;
  };
};

export function createSettingsCache<T extends LookedUp>(template: (region: string) => T) {
  const byRegion = new Map<string, { settings: SharedSettings; borrow: Borrow }>();
  return (region: string): { settings: SharedSettings; borrow: Borrow } => {
    const cached = byRegion.get(region);
    if (cached) return cached;
    const t = template(region);
    const {
      useFipsEndpoint,
      useDualstackEndpoint,
      userAgentAppId,
      authSchemePreference,
      defaultUserAgentProvider,
    } = t.config;
    const endpoint = (t as unknown as ConfiguredEndpoint).config.serviceConfiguredEndpoint;
    const entry = {
      settings: {
        useFipsEndpoint,
        useDualstackEndpoint,
        userAgentAppId,
        authSchemePreference,
        // the same sections for every request of the process: built once (os release and all)
        defaultUserAgentProvider: once(defaultUserAgentProvider),
      },
      borrow: (client: unknown) => {
        const c = (client as ConfiguredEndpoint).config;
        if (typeof endpoint === 'function' && typeof c.serviceConfiguredEndpoint === 'function')
          c.serviceConfiguredEndpoint = endpoint;
      },
    };
    byRegion.set(region, entry);
    return entry;
  };
}
