import { z } from 'zod';

/**
 * Who runs an Auto Scaling group besides Auto Scaling, from its tags: EKS tags a managed node
 * group's group (and its nodes) `eks:nodegroup-name` and `eks:cluster-name`; ECS adds
 * `AmazonECSManaged` to a capacity provider's group (the ECS CapacityProvider docs: "Associating an
 * ECS Capacity Provider to an Auto Scaling Group will automatically add the AmazonECSManaged tag to
 * the Auto Scaling Group"). Read from the group's tags at scan time and from the instance's. Pure.
 */
export const GroupManager = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('eks'), cluster: z.string().nullable(), nodegroup: z.string() }),
    z.object({ kind: z.literal('ecs') }),
  ])
  .nullable();
export type GroupManager = z.infer<typeof GroupManager>;

export function managerOf(tags: Readonly<Record<string, string>>): GroupManager {
  const nodegroup = tags['eks:nodegroup-name'];
  const cluster = tags['eks:cluster-name'] ?? tags['aws:eks:cluster-name'] ?? null;
  if (nodegroup !== undefined) return { kind: 'eks', cluster, nodegroup };
  if (Object.hasOwn(tags, 'AmazonECSManaged')) return { kind: 'ecs' };
  return null;
}
