import type { PolicyDocument } from './iam-policy.js';
import { mulberry32, type Rng, randomChars, upperId } from './prng.js';

/** What AssumeRole was asked for, beyond the role: what CloudTrail shows of the session. */
export interface SessionRequest {
  sessionName: string;
  /** the SourceIdentity set on the session; null when none was given */
  sourceIdentity: string | null;
  /** the session policy (the Policy parameter), parsed; null when none was given */
  sessionPolicy: PolicyDocument | null;
  expiresAt: number;
}

export interface IssuedCredential extends SessionRequest {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleName: string;
  roleId: string;
  issuedAt: number;
}

/** Who made a call, from the access key id of its SigV4 credential scope. */
export interface Principal {
  accessKeyId: string;
  accountId: string;
  arn: string;
  userId: string;
  /** set for temporary credentials from AssumeRole */
  expiresAt: number | null;
  /** the AssumeRole session behind the key; null for the hub's own key */
  session: IssuedCredential | null;
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The temporary credentials AssumeRole handed out; any other key is the hub's. */
export class CredentialStore {
  private readonly issued = new Map<string, IssuedCredential>();
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = mulberry32(seed ^ 0x51e5);
  }

  issue(accountId: string, roleName: string, request: SessionRequest, issuedAt: number): IssuedCredential {
    const credential: IssuedCredential = {
      ...request,
      accessKeyId: upperId(this.rng, 'ASIA', 16),
      secretAccessKey: randomChars(this.rng, TOKEN_ALPHABET, 40),
      sessionToken: `IQoJb3JpZ2luX2VtdWxhdG9y${randomChars(this.rng, TOKEN_ALPHABET, 200)}`,
      accountId,
      roleName,
      roleId: upperId(this.rng, 'AROA', 17),
      issuedAt,
    };
    this.issued.set(credential.accessKeyId, credential);
    return credential;
  }

  principal(accessKeyId: string, hubAccountId: string): Principal {
    const credential = this.issued.get(accessKeyId);
    if (!credential) {
      return {
        accessKeyId,
        accountId: hubAccountId,
        arn: `arn:aws:iam::${hubAccountId}:user/imds-bot`,
        userId: 'AIDAEMULATORHUBUSER',
        expiresAt: null,
        session: null,
      };
    }
    return {
      accessKeyId,
      accountId: credential.accountId,
      arn: `arn:aws:sts::${credential.accountId}:assumed-role/${credential.roleName}/${credential.sessionName}`,
      userId: `${credential.roleId}:${credential.sessionName}`,
      expiresAt: credential.expiresAt,
      session: credential,
    };
  }

  /** Every session AssumeRole handed out, oldest first (the emulator's CloudTrail AssumeRole events). */
  sessions(): IssuedCredential[] {
    return [...this.issued.values()];
  }
}
