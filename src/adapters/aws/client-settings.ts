import type { Provider } from '@aws-sdk/types';

/** The settings every SDK client looks up in the environment and the shared config files. */
interface LookedUp {
  config: {
    useFipsEndpoint: Provider<boolean>;
    useDualstackEndpoint: Provider<boolean>;
    userAgentAppId: Provider<string | undefined>;
    authSchemePreference: Provider<string[]>;
  };
}

export type SharedSettings = Pick<LookedUp['config'], keyof LookedUp['config']>;

/**
 * Each new SDK client looks up AWS_USE_FIPS_ENDPOINT, use_dualstack_endpoint, the app id and the
 * auth scheme preference again, in the environment and then ~/.aws/config, building an error
 * object for every miss. A scan makes three clients per account x region, so they borrow the
 * (memoized) providers of one template client per service and region: the SDK's own lookup, done
 * once per region. The template itself never sends anything.
 */
export function createSettingsCache<T extends LookedUp>(template: (region: string) => T) {
  const byRegion = new Map<string, SharedSettings>();
  return (region: string): SharedSettings => {
    const cached = byRegion.get(region);
    if (cached) return cached;
    const { useFipsEndpoint, useDualstackEndpoint, userAgentAppId, authSchemePreference } =
      template(region).config;
    const settings = { useFipsEndpoint, useDualstackEndpoint, userAgentAppId, authSchemePreference };
    byRegion.set(region, settings);
    return settings;
  };
}
