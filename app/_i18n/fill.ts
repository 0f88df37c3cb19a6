// Puts values into a catalogue text's {placeholders}: the words stay in the
// catalogue, only names, dates and numbers come from the data.
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
