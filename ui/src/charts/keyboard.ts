// The keys that walk a chart's points (both charts): arrows step, Home and End jump,
// Escape leaves. `undefined` for a key the chart does not handle.
export function pointAfterKey(key: string, active: number | undefined, count: number): { next: number | undefined } | undefined {
  if (count === 0) return undefined;
  const last = count - 1;
  const current = active ?? -1;
  switch (key) {
    case 'ArrowRight':
      return { next: Math.min(last, current + 1) };
    case 'ArrowLeft':
      return { next: current < 0 ? last : Math.max(0, current - 1) };
    case 'Home':
      return { next: 0 };
    case 'End':
      return { next: last };
    case 'Escape':
      return { next: undefined };
    default:
      return undefined;
  }
}
