import { type EC2Client, paginateDescribeImages } from '@aws-sdk/client-ec2';
import {
  DescribePolicyCommand,
  ListRootsCommand,
  type OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListPolicies,
  paginateListTargetsForPolicy,
} from '@aws-sdk/client-organizations';
import type { Image } from '../../domain/guardrails/amis.js';
import type { OrgAccount, OrgPolicy, OrgUnit } from '../../domain/guardrails/coverage.js';
import type { OrganizationPolicies } from '../../domain/guardrails/organization-facts.js';
import { classifyAwsError } from './errors.js';
import { fastPages } from './fast-reads.js';

/**
 * What the guardrails view reads from AWS: the organization tree with its SCPs and EC2 declarative
 * policies (Organizations, from the hub: ListRoots, ListOrganizationalUnitsForParent,
 * ListAccountsForParent, ListPolicies, DescribePolicy, ListTargetsForPolicy), and the ImdsSupport
 * of AMIs (DescribeImages, in the member account). A policy type that cannot be read is a partial
 * error; what was read is kept.
 */

export const GUARDRAIL_POLICY_TYPES = ['SERVICE_CONTROL_POLICY', 'DECLARATIVE_POLICY_EC2'] as const;

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw classifyAwsError(err, `${what} (Organizations, from the hub)`);
  }
}

async function tree(orgs: OrganizationsClient): Promise<Pick<OrganizationPolicies, 'units' | 'accounts'>> {
  const roots = await call('ListRoots', () => orgs.send(new ListRootsCommand({})));
  const units: OrgUnit[] = (roots.Roots ?? []).flatMap((r) =>
    r.Id ? [{ id: r.Id, name: r.Name ?? 'Root', parentId: null }] : [],
  );
  const accounts: OrgAccount[] = [];
  for (let i = 0; i < units.length; i++) {
    const parent = units[i]?.id ?? '';
    await call(`ListOrganizationalUnitsForParent ${parent}`, async () => {
      for await (const page of paginateListOrganizationalUnitsForParent(
        { client: orgs },
        { ParentId: parent },
      ))
        for (const o of page.OrganizationalUnits ?? [])
          if (o.Id) units.push({ id: o.Id, name: o.Name ?? o.Id, parentId: parent });
    });
    await call(`ListAccountsForParent ${parent}`, async () => {
      for await (const page of paginateListAccountsForParent({ client: orgs }, { ParentId: parent }))
        for (const a of page.Accounts ?? [])
          if (a.Id) accounts.push({ id: a.Id, name: a.Name ?? a.Id, parentId: parent });
    });
  }
  return { units, accounts };
}

async function policy(orgs: OrganizationsClient, id: string, type: OrgPolicy['type']): Promise<OrgPolicy> {
  const described = await call(`DescribePolicy ${id}`, () =>
    orgs.send(new DescribePolicyCommand({ PolicyId: id })),
  );
  const targets: string[] = [];
  await call(`ListTargetsForPolicy ${id}`, async () => {
    for await (const page of paginateListTargetsForPolicy({ client: orgs }, { PolicyId: id }))
      for (const t of page.Targets ?? []) if (t.TargetId) targets.push(t.TargetId);
  });
  return {
    id,
    name: described.Policy?.PolicySummary?.Name ?? id,
    type,
    content: described.Policy?.Content ?? '',
    targets,
  };
}

async function policiesOfType(orgs: OrganizationsClient, type: OrgPolicy['type']): Promise<string[]> {
  return call(`ListPolicies ${type}`, async () => {
    const ids: string[] = [];
    for await (const page of paginateListPolicies({ client: orgs }, { Filter: type }))
      for (const p of page.Policies ?? []) if (p.Id) ids.push(p.Id);
    return ids;
  });
}

export async function readOrganizationPolicies(orgs: OrganizationsClient): Promise<OrganizationPolicies> {
  const out: OrganizationPolicies = { ...(await tree(orgs)), policies: [], partial: [] };
  for (const type of GUARDRAIL_POLICY_TYPES) {
    const fail = (what: string, err: unknown) => {
      const e = err as { code?: string; message?: string };
      out.partial.push({ what, code: e.code ?? 'Unknown', message: e.message ?? String(err) });
    };
    let ids: string[];
    try {
      ids = await policiesOfType(orgs, type);
    } catch (err) {
      fail(type, err);
      continue;
    }
    for (const id of ids) {
      try {
        out.policies.push(await policy(orgs, id, type));
      } catch (err) {
        fail(id, err);
      }
    }
  }
  return out;
}

/**
 * ImdsSupport of the AMIs with these ids, read by the image-id filter (a missing or deregistered
 * AMI is then simply absent, where ImageIds would fail the whole call), 200 values a filter.
 */
export async function readImages(ec2: EC2Client, imageIds: readonly string[]): Promise<Image[]> {
  const unique = [...new Set(imageIds)];
  const images: Image[] = [];
  for (let i = 0; i < unique.length; i += 200) {
    const input = { Filters: [{ Name: 'image-id', Values: unique.slice(i, i + 200) }] };
    for await (const page of paginateDescribeImages(
      { client: ec2, withCommand: fastPages('DescribeImages') },
      input,
    ))
      for (const image of page.Images ?? [])
        if (image.ImageId)
          images.push({
            imageId: image.ImageId,
            name: image.Name ?? null,
            imdsSupport: image.ImdsSupport === 'v2.0' ? 'v2.0' : null,
          });
  }
  return images;
}
