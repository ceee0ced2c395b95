import { z } from 'zod';
import { ACCOUNT_ID } from '../../../domain/account-id.js';

/** The typed commands of the `/imds` grammar: one zod schema (and type of the same name) each. */

export const SUBCOMMANDS = [
  'scan',
  'status',
  'report',
  'owners',
  'help',
  'snooze',
  'enforce',
  'rollback',
  'audit',
  'ack',
  'enforce-ready',
  'fix-template',
  'fix-default',
  'guardrails',
  'refresh',
  'find-caller',
] as const;
export const SubcommandName = z.enum(SUBCOMMANDS);
export type SubcommandName = z.infer<typeof SubcommandName>;

export const InstanceId = z.string().regex(/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/);
export const AccountId = z.string().regex(ACCOUNT_ID);
export const RegionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/);
export const SlackUserId = z.string().regex(/^[UW][A-Z0-9]+$/);
const FreeText = z.string().min(1);

const InstanceTarget = z.object({ kind: z.literal('instance'), instanceId: InstanceId });
const AccountTarget = z.object({ kind: z.literal('account'), accountId: AccountId });
const UserTarget = z.object({ kind: z.literal('user'), userId: SlackUserId });
const command = <N extends SubcommandName, A extends z.ZodRawShape>(name: N, args: A) =>
  z.object({ name: z.literal(name), args: z.object(args) });

export const ScanCommand = command('scan', {
  accountId: AccountId.nullable(),
  region: RegionName.nullable(),
});
export type ScanCommand = z.infer<typeof ScanCommand>;
export const StatusCommand = command('status', {
  target: z.discriminatedUnion('kind', [InstanceTarget, AccountTarget]),
});
export type StatusCommand = z.infer<typeof StatusCommand>;
export const ReportCommand = command('report', {});
export type ReportCommand = z.infer<typeof ReportCommand>;
export const OwnersCommand = command('owners', {});
export type OwnersCommand = z.infer<typeof OwnersCommand>;
export const HelpCommand = command('help', { topic: SubcommandName.nullable() });
export type HelpCommand = z.infer<typeof HelpCommand>;
export const SnoozeCommand = command('snooze', {
  instanceId: InstanceId,
  /** normalised, e.g. '3d' */
  duration: z.string(),
  durationMs: z.number().int().positive(),
  reason: FreeText,
});
export type SnoozeCommand = z.infer<typeof SnoozeCommand>;
export const EnforceCommand = command('enforce', { instanceId: InstanceId, reason: FreeText.nullable() });
export type EnforceCommand = z.infer<typeof EnforceCommand>;
/** `instanceId` may also be a bulk request's id (cr-…): every instance it enforced is rolled back. */
export const RollbackCommand = command('rollback', {
  instanceId: z.union([InstanceId, z.string().regex(/^cr-[0-9a-f]{12}$/)]),
  reason: FreeText,
});
export type RollbackCommand = z.infer<typeof RollbackCommand>;
export const AuditCommand = command('audit', {
  target: z.discriminatedUnion('kind', [InstanceTarget, UserTarget]).nullable(),
});
export type AuditCommand = z.infer<typeof AuditCommand>;
export const AckCommand = command('ack', { instanceId: InstanceId, note: FreeText.nullable() });
export type AckCommand = z.infer<typeof AckCommand>;
export const LaunchTemplateId = z.string().regex(/^lt-[0-9a-f]{8,17}$/);
/** one request to enforce every ready instance (of one owner) in an account */
export const EnforceReadyCommand = command('enforce-ready', {
  accountId: AccountId,
  owner: SlackUserId.nullable(),
  /** `--env nonprod`: only instances whose environment tag says non-production */
  env: z.literal('nonprod').optional(),
});
export type EnforceReadyCommand = z.infer<typeof EnforceReadyCommand>;
export const FixTemplateCommand = command('fix-template', {
  accountId: AccountId,
  region: RegionName,
  launchTemplateId: LaunchTemplateId,
});
export type FixTemplateCommand = z.infer<typeof FixTemplateCommand>;
export const FixDefaultCommand = command('fix-default', { accountId: AccountId, region: RegionName });
export type FixDefaultCommand = z.infer<typeof FixDefaultCommand>;
/** what keeps IMDSv1 coming back: defaults, templates, AMIs, organization policies (of one account) */
export const GuardrailsCommand = command('guardrails', { accountId: AccountId.nullable() });
export type GuardrailsCommand = z.infer<typeof GuardrailsCommand>;
/** ask to find the process making IMDSv1 calls on an instance (SSM Run Command, after approval) */
export const FindCallerCommand = command('find-caller', { instanceId: InstanceId });
export type FindCallerCommand = z.infer<typeof FindCallerCommand>;

/** Auto Scaling group names: 1-255 characters, no control characters (AutoScalingGroupName's pattern). */
export const AsgName = z
  .string()
  .min(1)
  .max(255)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse control characters
  .regex(/^[^\u0000-\u001f\u007f]+$/);
export const RefreshCommand = command('refresh', {
  asgName: AsgName,
  accountId: AccountId,
  region: RegionName,
});
export type RefreshCommand = z.infer<typeof RefreshCommand>;

export const ParsedCommand = z.discriminatedUnion('name', [
  ScanCommand,
  StatusCommand,
  ReportCommand,
  OwnersCommand,
  HelpCommand,
  SnoozeCommand,
  EnforceCommand,
  RollbackCommand,
  AuditCommand,
  AckCommand,
  EnforceReadyCommand,
  FixTemplateCommand,
  FixDefaultCommand,
  GuardrailsCommand,
  RefreshCommand,
  FindCallerCommand,
]);
export type ParsedCommand = z.infer<typeof ParsedCommand>;

export const CommandErrorCode = z.enum([
  'unknown-subcommand',
  'bad-instance-id',
  'bad-account-id',
  'bad-region',
  'bad-duration',
  'bad-target',
  'missing-argument',
  'too-many-arguments',
  'duplicate-argument',
]);
export type CommandErrorCode = z.infer<typeof CommandErrorCode>;
export const CommandError = z.object({ error: CommandErrorCode, message: z.string() });
export type CommandError = z.infer<typeof CommandError>;
