// The password typed in the provisioning dialog becomes a SHA-512 crypt(3) hash (`$6$SALT$...`,
// what `openssl passwd -6` prints) in the page, before anything is sent: cloud-init takes the
// hash, and the password itself never leaves the dialog (not sent, not stored, not logged).
// Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" with the default 5000 rounds, on the
// Web Crypto digest the browser, Electron's page and Node all have.

const ROUNDS = 5000;
const SALT_MAX = 16;
const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The hash's bytes in crypt's order: each triple becomes four characters, the last byte two. */
const BYTE_ORDER: ReadonlyArray<readonly [number, number, number]> = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
];

async function sha512(...parts: Uint8Array[]): Promise<Uint8Array> {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-512', joined));
}

/** `length` bytes of `block` repeated. */
function repeatTo(block: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = block[i % block.length]!;
  return out;
}

function encode(hash: Uint8Array): string {
  let out = '';
  const put = (value: number, chars: number) => {
    for (let i = 0; i < chars; i++, value >>= 6) out += CRYPT_ALPHABET[value & 0x3f];
  };
  for (const [a, b, c] of BYTE_ORDER) put((hash[a]! << 16) | (hash[b]! << 8) | hash[c]!, 4);
  put(hash[63]!, 2);
  return out;
}

/** A random salt of crypt's alphabet. */
function randomSalt(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SALT_MAX));
  return Array.from(bytes, (b) => CRYPT_ALPHABET[b & 0x3f]).join('');
}

/** The SHA-512 crypt hash of `password` (a random salt unless one is given, for tests). */
export async function sha512Crypt(password: string, salt = randomSalt()): Promise<string> {
  const text = new TextEncoder();
  const key = text.encode(password);
  const saltBytes = text.encode(salt.slice(0, SALT_MAX));

  const alternate = await sha512(key, saltBytes, key);
  const parts: Uint8Array[] = [key, saltBytes, repeatTo(alternate, key.length)];
  for (let n = key.length; n > 0; n >>= 1) parts.push(n & 1 ? alternate : key);
  let digest = await sha512(...parts);

  const keyBytes = repeatTo(await sha512(...Array<Uint8Array>(key.length).fill(key)), key.length);
  const saltRepeats = 16 + digest[0]!;
  const saltSeq = repeatTo(
    await sha512(...Array<Uint8Array>(saltRepeats).fill(saltBytes)),
    saltBytes.length,
  );

  for (let round = 0; round < ROUNDS; round++) {
    const odd = round % 2 === 1;
    const step: Uint8Array[] = [odd ? keyBytes : digest];
    if (round % 3 !== 0) step.push(saltSeq);
    if (round % 7 !== 0) step.push(keyBytes);
    step.push(odd ? digest : keyBytes);
    digest = await sha512(...step);
  }
  return `$6$${salt.slice(0, SALT_MAX)}$${encode(digest)}`;
}
