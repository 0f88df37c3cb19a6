// The 18-character citizen identity number of GB 11643-1999: 6 digits of
// region, 8 of birth date, 3 of sequence and a check character computed by
// ISO 7064 MOD 11-2 over the first 17 (10 is written X).
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

export const ID_NUMBER_PATTERN = /^[0-9]{17}[0-9X]$/;

/** The check character for the first 17 digits. */
export function idCheckCharacter(first17: string): string {
  if (!/^[0-9]{17}$/.test(first17)) throw new RangeError("an ID number's check character needs exactly 17 digits");
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

/** Upper-cases a final x and drops spaces, as people type and OCR reads it. */
export function normaliseIdNumber(raw: string): string {
  return raw.replace(/\s+/g, "").toUpperCase();
}

/** True for an 18-character number whose check character is right. */
export function idNumberValid(raw: string): boolean {
  const n = normaliseIdNumber(raw);
  return ID_NUMBER_PATTERN.test(n) && idCheckCharacter(n.slice(0, 17)) === n[17];
}
