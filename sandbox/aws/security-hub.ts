/**
 * Security Hub findings imported with BatchImportFindings, per product ARN and finding id, as
 * Security Hub keeps them: a re-import updates the finding; CreatedAt stays the first one; a
 * finding whose Compliance.Status becomes PASSED, or whose RecordState goes from ACTIVE to
 * ARCHIVED, is RESOLVED (Security Hub ignores a provider's Workflow.Status on updates and sets it
 * itself); one that goes back to FAILED or ACTIVE is NEW again (API reference, Workflow.Status).
 */
export type StoredFinding = Record<string, unknown> & {
  Id: string;
  ProductArn: string;
  AwsAccountId: string;
};

const complianceOf = (f: StoredFinding) => (f.Compliance as { Status?: string } | undefined)?.Status;
const recordOf = (f: StoredFinding) => (f.RecordState as string | undefined) ?? 'ACTIVE';

function nextWorkflow(old: StoredFinding, f: StoredFinding): unknown {
  if (complianceOf(f) === 'PASSED' && complianceOf(old) !== 'PASSED') return { Status: 'RESOLVED' };
  if (recordOf(f) === 'ARCHIVED' && recordOf(old) === 'ACTIVE') return { Status: 'RESOLVED' };
  if (complianceOf(old) === 'PASSED' && complianceOf(f) !== 'PASSED') return { Status: 'NEW' };
  if (recordOf(old) === 'ARCHIVED' && recordOf(f) === 'ACTIVE') return { Status: 'NEW' };
  return old.Workflow;
}

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
    const workflow = nextWorkflow(old, f);
    this.byKey.set(key, { ...f, CreatedAt: old.CreatedAt, Workflow: workflow });
  }

  all(): StoredFinding[] {
    return [...this.byKey.values()];
  }

  find(id: string): StoredFinding | undefined {
    return this.all().find((f) => f.Id === id);
  }
}
