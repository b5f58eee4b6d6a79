import type { EstateStore } from '../estate-store.js';

export type TargetResolution = { things: string[] } | { unknownTarget: string };

/**
 * The things a job's target ARNs name: things themselves, and every member of a thing
 * group (static or dynamic), child groups included, as AWS IoT fans a job out. Sorted,
 * without repeats; the first ARN that names nothing in the estate is reported instead.
 */
export function resolveJobTargets(store: EstateStore, targets: readonly string[]): TargetResolution {
  const things = new Set<string>();
  for (const target of targets) {
    const thing = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:thing\/(.+)$/.exec(target)?.[1];
    const group = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:thinggroup\/(.+)$/.exec(target)?.[1];
    if (thing !== undefined && Object.hasOwn(store.estate.things, thing)) {
      things.add(thing);
    } else if (group !== undefined && Object.hasOwn(store.estate.thingGroups, group)) {
      for (const member of store.thingsInGroup(store.estate.thingGroups[group]!, true)) things.add(member);
    } else {
      return { unknownTarget: target };
    }
  }
  return { things: [...things].sort() };
}
