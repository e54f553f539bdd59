// The data the charts draw: one point per bucket, indexed so the comparison period
// (other dates) lines up with the current one.
export interface Point {
  i: number;
  label: string;
  longLabel: string;
  value: number | null;
  compare?: number | null;
  compareLabel?: string;
}
