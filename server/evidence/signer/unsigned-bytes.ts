// INTEGER contents compared as numbers: DER may add a leading zero byte that a
// value recorded elsewhere (hex nonce, serial) does not have.
export function stripLeadingZerosOf(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}
