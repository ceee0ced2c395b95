/**
 * Security Hub findings imported with BatchImportFindings, per product ARN and finding id, as
 * Security Hub keeps them: a re-import updates the finding; CreatedAt stays the first one; a
 * finding whose Compliance.Status becomes PASSED is RESOLVED (Security Hub ignores a provider's
 * Workflow.Status on updates, and sets RESOLVED itself when a control passes).
 */
export type StoredFinding = Record<string, unknown> & {
  Id: string;
  ProductArn: string;
  AwsAccountId: string;
};

export class SecurityHubFindings {
  private readonly byKey = new Map<string, StoredFinding>();
  /** how many BatchImportFindings requests, and findings in them, arrived */
  imports = 0;

  upsert(f: StoredFinding): void {
    const key = `${f.ProductArn}|${f.Id}`;
    const old = this.byKey.get(key);
    if (!old) {
      this.byKey.set(key, f);
      return;
    }
    const compliance = (f.Compliance as { Status?: string } | undefined)?.Status;
    const workflow = compliance === 'PASSED' ? { Status: 'RESOLVED' } : old.Workflow;
    this.byKey.set(key, { ...f, CreatedAt: old.CreatedAt, Workflow: workflow });
  }

  all(): StoredFinding[] {
    return [...this.byKey.values()];
  }

  find(id: string): StoredFinding | undefined {
    return this.all().find((f) => f.Id === id);
  }
}
