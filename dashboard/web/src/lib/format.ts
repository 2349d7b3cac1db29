export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat().format(value);
}
