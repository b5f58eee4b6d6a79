/**
 * What the report says about shadow constructs, in one place so the v1, v2 and raw
 * topic transforms say the same thing about the same decision.
 */
export const SHADOW_NOTES = {
  reported:
    'Shadow update of reported state → twin.properties.reported.update(patch): same merge semantics (a null removes a property).',
  extras: (fields: readonly string[]) =>
    `Not carried over: ${fields.join(', ')} (twin reported updates take no version or client token; IoT Hub versions the twin itself).`,
  delta:
    "Shadow delta events → twin.on('properties.desired', …). The listener gets the desired-properties patch (with $version) rather than the difference to reported state, and also fires once with the whole desired state when it is registered and when the twin is read.",
  desiredWrite:
    "The device writes desired state. On IoT Hub only the cloud writes desired properties; the device acknowledges by reporting (twin.properties.reported.update). Decide: report the applied value (and let the cloud clear desired), or move this value to reported properties.",
  unreadableUpdate:
    'A shadow update whose document the codemod cannot read. Report its state.reported part with twin.properties.reported.update(patch, callback).',
  named: (name: string | undefined) =>
    `Named shadow${name === undefined ? '' : ` "${name}"`}: an IoT Hub device has one twin. Decide where it goes: under a desired/reported property of the twin (e.g. twin.properties.desired.${name ?? '<name>'} with twin.on('properties.desired.${name ?? '<name>'}', …)), or a module identity with its own twin.`,
  get: "Reading the shadow: read the twin instead, where the get was sent: const twin = await client.getTwin() (or client.getTwin((err, twin) => …)), then twin.properties.desired and twin.properties.reported. No get/accepted or get/rejected subscriptions are needed.",
  rawDelta: (topic: string) =>
    `This handler takes shadow deltas from ${topic}. On IoT Hub, register it on the twin: client.getTwin((err, twin) => twin.on('properties.desired', (delta) => …)); the delta is the desired-properties patch itself, not a JSON message with a state field. No subscription is needed.`,
  updateResult: 'Update accepted/rejected subscriptions: the result of each twin.properties.reported.update() comes to its callback; no subscription is needed.',
  documents:
    "Shadow documents (update/documents) have no twin counterpart: twin.on('properties.desired', …) gives desired changes, and reported state is what the device itself last reported.",
  delete:
    'Shadow delete: a device cannot delete its twin. To clear reported state, report null for each property (twin.properties.reported.update({ name: null })); desired state is the cloud\'s to clear.',
  listenerByName: (listener: string) =>
    `Shadow delta listener ${listener}: register it with twin.on('properties.desired', (delta) => …); it now receives the desired-properties patch instead of the AWS event.`,
  unmappedEventFields: (fields: readonly string[]) =>
    `${fields.join(', ')}: the desired-properties patch has no such field (it carries the desired values and $version); rework the code that reads it.`,
  twinOutsideAsync:
    'The shadow client was made outside an async function, and the twin comes from await client.getTwin() (or client.getTwin((err, twin) => …)). Get the twin where it can be awaited and use it where this shadow client was.',
  unknownMethod: (method: string) => `${method} has no device-twin counterpart; decide what this code must do on IoT Hub.`,
} as const;
