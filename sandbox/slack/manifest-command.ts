import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import type { SlashCommandInfo } from './sandbox.js';

const Manifest = z.object({
  features: z.object({
    slash_commands: z
      .array(
        z.object({
          command: z.string(),
          description: z.string().default(''),
          usage_hint: z.string().default(''),
        }),
      )
      .min(1),
  }),
});

/**
 * The slash command as the app's manifest declares it: Slack's autocomplete shows its name,
 * usage_hint and description, and so does the sandbox.
 */
export async function commandFromManifest(path: string): Promise<SlashCommandInfo> {
  const manifest = Manifest.parse(parse(await readFile(path, 'utf8')));
  const [first] = manifest.features.slash_commands;
  if (!first) throw new Error(`${path}: no slash command`);
  return { name: first.command, description: first.description, usage_hint: first.usage_hint };
}
