/**
 * The claim check's settings file (models/claim-check.json): the support threshold and the
 * soft-match band, chosen on labelled examples by scripts/claim-threshold.ts, with the figures
 * they gave recorded beside them. Parsed once, at start-up.
 */
import { z } from 'zod';
import type { ClaimCheckSettings } from './claim-check.js';
import { ConfigError } from '../errors.js';

const rates = z.record(z.string(), z.unknown());

export const claimSettingsFileSchema = z.object({
  version: z.literal(1),
  threshold: z.number().min(0).max(1),
  softFloor: z.number().min(-1).max(1),
  softCeil: z.number().min(-1).max(1),
  window: z.number().int().min(1),
  chosenOn: z.string(),
  figures: z.record(z.string(), rates),
});

export type ClaimSettingsFile = z.infer<typeof claimSettingsFileSchema>;

/** The settings in a claim-check file; a ConfigError naming `file` when it is not one. */
export function parseClaimSettings(json: unknown, file: string): ClaimCheckSettings {
  const parsed = claimSettingsFileSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`${file} is not a claim-check settings file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { threshold, softFloor, softCeil, window } = parsed.data;
  if (!(softCeil > softFloor)) throw new ConfigError(`${file}: softCeil must be above softFloor`);
  return { threshold, softFloor, softCeil, window };
}
