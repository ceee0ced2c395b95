import { ApiError } from './errors.js';

export interface FilterParam {
  name: string;
  values: string[];
}

/**
 * The form-urlencoded parameters of an EC2 Query or awsQuery request.
 * EC2 flattens lists (`InstanceId.1`); awsQuery nests them (`Names.member.1`).
 */
export class FormParams {
  private readonly map: Map<string, string>;
  /** the error a malformed value raises: InvalidParameterValue (EC2) or ValidationError (awsQuery) */
  private readonly invalidCode: string;

  constructor(map: Map<string, string>, invalidCode: string) {
    this.map = map;
    this.invalidCode = invalidCode;
  }

  static parse(body: string, invalidCode: string): FormParams {
    return new FormParams(new Map(new URLSearchParams(body)), invalidCode);
  }

  str(name: string): string | undefined {
    return this.map.get(name);
  }

  /** every parameter as sent (the emulator's IAM reads them as ec2:Attribute/<name>) */
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  required(name: string): string {
    const value = this.map.get(name);
    if (value === undefined || value === '') {
      throw new ApiError('MissingParameter', `The request must contain the parameter ${name}`);
    }
    return value;
  }

  int(name: string, min: number, max: number): number | undefined {
    const raw = this.map.get(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ApiError(
        this.invalidCode,
        `Value ( ${raw} ) for parameter ${name} is invalid. Expected an integer from ${min} to ${max}.`,
      );
    }
    return value;
  }

  bool(name: string): boolean {
    return this.map.get(name) === 'true';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.map.get(name);
    if (raw === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ApiError(
        this.invalidCode,
        `Value ( ${raw} ) for parameter ${name} is invalid. Valid values: ${allowed.join(', ')}.`,
      );
    }
    return raw as T;
  }

  /** EC2 flattened list: `prefix.1`, `prefix.2`, ... */
  list(prefix: string): string[] {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const value = this.map.get(`${prefix}.${i}`);
      if (value === undefined) return out;
      out.push(value);
    }
  }

  /** awsQuery list: `prefix.member.1`, ... */
  memberList(prefix: string): string[] {
    return this.list(`${prefix}.member`);
  }

  /** EC2 `Filter.N.Name` / `Filter.N.Value.M`. */
  ec2Filters(): FilterParam[] {
    const out: FilterParam[] = [];
    for (let i = 1; ; i++) {
      const name = this.map.get(`Filter.${i}.Name`);
      if (name === undefined) return out;
      out.push({ name, values: this.list(`Filter.${i}.Value`) });
    }
  }

  has(prefix: string): boolean {
    for (const key of this.map.keys()) if (key === prefix || key.startsWith(`${prefix}.`)) return true;
    return false;
  }

  /** A stable digest of the parameters except the given ones, to tie a NextToken to its query. */
  fingerprint(except: readonly string[]): string {
    const parts: string[] = [];
    for (const [key, value] of this.map) if (!except.includes(key)) parts.push(`${key}=${value}`);
    return parts.sort().join('&');
  }
}
