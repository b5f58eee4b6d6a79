import type { EstateStore } from '../estate-store.js';

/**
 * Views derived from the estate (sorted names, memberships, reverse indexes), kept
 * until the store's next `changed()`. A detect pass over 10,000 things asks for the
 * same sorted list once per page; sorting it again each time would make paging
 * quadratic in the fleet size.
 */
export class EstateViews {
  private revision = -1;
  private readonly views = new Map<string, unknown>();

  constructor(private readonly store: EstateStore) {}

  get<T>(key: string, compute: () => T): T {
    if (this.store.revision !== this.revision) {
      this.views.clear();
      this.revision = this.store.revision;
    }
    if (this.views.has(key)) return this.views.get(key) as T;
    const view = compute();
    this.views.set(key, view);
    return view;
  }
}
