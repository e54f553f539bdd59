// What the whole app shares once signed in: the properties this key may see and the one
// being viewed (its currency and time zone format every number and date).
import type { PropertySettings } from './types.ts';

export const workspace = $state<{ properties: PropertySettings[]; current: PropertySettings | undefined }>({
  properties: [],
  current: undefined,
});
