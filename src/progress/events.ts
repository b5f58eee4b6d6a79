import { z } from 'zod';

/**
 * The progress event stream. detect, plan, apply and the sandbox emit these; the
 * reporters (NDJSON, text, and the TUI later) only ever read them, so anything a
 * reporter shows must be derivable from this union.
 */
export const StageSchema = z.enum(['sandbox', 'seed', 'detect', 'scan', 'plan', 'rewrite', 'apply']);
export type Stage = z.infer<typeof StageSchema>;

export const ProgressEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('stage'),
    stage: StageSchema,
    status: z.enum(['started', 'finished']),
    /** A short human title, e.g. "Reading AWS IoT estate". */
    title: z.string().optional(),
  }),
  z.object({
    type: z.literal('progress'),
    stage: StageSchema,
    /** What is counted: "things", "certificates", "principals", ... */
    resource: z.string(),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative().optional(),
    /** Items per second over the last window. */
    ratePerSecond: z.number().nonnegative().optional(),
  }),
  z.object({
    type: z.literal('throttled'),
    stage: StageSchema,
    operation: z.string(),
    retryInMs: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('warning'),
    code: z.string(),
    message: z.string(),
    subject: z.string().optional(),
  }),
  z.object({
    type: z.literal('log'),
    level: z.enum(['info', 'debug']),
    message: z.string(),
  }),
  z.object({
    type: z.literal('result'),
    command: z.string(),
    /** The file or directory the command produced, when it produced one. */
    path: z.string().optional(),
    lines: z.array(z.string()),
  }),
  z.object({
    type: z.literal('error'),
    message: z.string(),
    hint: z.string().optional(),
    exitCode: z.number().int(),
  }),
  z.object({
    type: z.literal('summary'),
    command: z.string(),
    durationMs: z.number().nonnegative(),
    exitCode: z.number().int(),
    counts: z.record(z.string(), z.number()),
  }),
]);
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;

export type EmitProgress = (event: ProgressEvent) => void;

export function eventsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ProgressEventSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
