import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic-write.js';

/**
 * A device's two firmware slots (A/B, as on real OTA devices), kept in
 * `<state-dir>/devices/<thing>/slots.json` so a restarted sandbox boots what each device
 * last ran. A slot names a content-addressed image (see firmware-image.ts). The active
 * slot changes only once the new firmware has connected and reported; until then a
 * restart boots the old one, as a bootloader reverts an unconfirmed trial boot.
 */
const SlotSchema = z.object({
  imageId: z.string(),
  firmwareVersion: z.string(),
  /** Where this firmware connects: the AWS sandbox's broker (from the fleet's options) or an IoT Hub host. */
  cloud: z.enum(['aws', 'azure']),
  hubHostName: z.string().optional(),
});
export const SlotsSchema = z.object({
  active: z.enum(['a', 'b']),
  a: SlotSchema.optional(),
  b: SlotSchema.optional(),
});
export type Slots = z.infer<typeof SlotsSchema>;
export type SlotName = Slots['active'];
export type Slot = z.infer<typeof SlotSchema>;

export const SLOTS_FILE = 'slots.json';

export const otherSlot = (slot: SlotName): SlotName => (slot === 'a' ? 'b' : 'a');

export function activeSlot(slots: Slots): Slot {
  const slot = slots[slots.active];
  if (!slot) throw new Error(`slots.json names slot ${slots.active} active but it is empty`);
  return slot;
}

/** The device's slots, or undefined for a device fresh from the factory (or an unreadable file). */
export async function readSlots(deviceDir: string): Promise<Slots | undefined> {
  try {
    const parsed = SlotsSchema.safeParse(JSON.parse(await readFile(join(deviceDir, SLOTS_FILE), 'utf8')));
    return parsed.success && parsed.data[parsed.data.active] ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeSlots(deviceDir: string, slots: Slots): Promise<void> {
  await writeFileAtomic(join(deviceDir, SLOTS_FILE), `${JSON.stringify(slots)}\n`);
}
