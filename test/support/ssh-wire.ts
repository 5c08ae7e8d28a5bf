/** An SSH wire-format string: a 32-bit big-endian length, then the bytes (RFC 4251). */
export function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}
