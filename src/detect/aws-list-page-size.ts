/** The largest page the IoT control plane's list operations accept: fewest calls per list. */
export const LIST_PAGE_SIZE = 250;
