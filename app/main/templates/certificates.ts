// Certificates for HTTPS downloads done by the hosts: a CA to trust, or a client certificate and
// key for servers that require one. Checked here (PEM, validity period, name), then installed
// into ConVirt's trust store on each host: `<dir>/ca-bundle.pem` (the host's system bundle plus
// every uploaded CA, what curl gets as --cacert) and `<dir>/client/NAME.pem|.key`.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type {
  CertificateInfo,
  CertificateKind,
  CertificateUpload,
} from '../../shared/domain/url-template.js';
import { InvalidInputError } from '../../shared/validation/names.js';
import { validateCertificateName } from '../../shared/validation/url-template.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import { DEFAULT_TRUST_DIR } from './host-curl.js';

export type { CertificateInfo, CertificateKind, CertificateUpload };
export { validateCertificateName };

/** Refuses a bad name, a PEM that is not one certificate, or one outside its validity period. */
export function inspectCertificate(upload: CertificateUpload, now = new Date()): CertificateInfo {
  validateCertificateName(upload.name);
  const blocks = upload.pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (blocks?.length !== 1) {
    throw new InvalidInputError('pem', 'Expected exactly one PEM certificate (BEGIN CERTIFICATE).');
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0]);
  } catch (err) {
    throw new InvalidInputError('pem', `Not a valid certificate: ${(err as Error).message}.`);
  }
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from)
    throw new InvalidInputError(
      'pem',
      `The certificate is not valid before ${from.toISOString()}.`,
    );
  if (now > to)
    throw new InvalidInputError('pem', `The certificate expired on ${to.toISOString()}.`);
  if (upload.kind === 'client') {
    if (!upload.keyPem)
      throw new InvalidInputError('key', 'A client certificate needs its private key.');
    let matches = false;
    try {
      matches = cert.checkPrivateKey(createPrivateKey(upload.keyPem));
    } catch {
      // not a key: reported below
    }
    if (!matches)
      throw new InvalidInputError('key', 'The private key does not belong to this certificate.');
  } else if (upload.keyPem) {
    throw new InvalidInputError('key', 'A CA certificate is uploaded without a key.');
  }
  return {
    name: upload.name,
    kind: upload.kind,
    subject: cert.subject,
    issuer: cert.issuer,
    validFrom: from.toISOString(),
    validTo: to.toISOString(),
    fingerprint256: cert.fingerprint256,
  };
}

// $1: trust store folder ('' = default); $2: the system CA bundle. stdin: the uploaded CAs.
// Rebuilt whole each time, written beside and renamed, so curl never reads half a bundle.
const WRITE_CA_BUNDLE = `d=\${1:-"$HOME/${DEFAULT_TRUST_DIR}"}
umask 077; mkdir -p "$d" || exit 1
{ cat "$2" 2>/dev/null; cat; } > "$d/ca-bundle.pem.new" && mv -f "$d/ca-bundle.pem.new" "$d/ca-bundle.pem"
`;

const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** Writes the CA bundle (system bundle plus the CAs given on stdin, see caBundleInput). */
export function caBundleCommand(trustDir = ''): string[] {
  return ['sh', '-c', WRITE_CA_BUNDLE, 'sh', trustDir, SYSTEM_BUNDLE];
}

export function caBundleInput(caPems: readonly string[]): string {
  return caPems.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
}

/** Makes the host's CA bundle the system one plus exactly `caPems`. */
export async function installCaBundle(
  shell: RemoteShell,
  caPems: readonly string[],
  trustDir = '',
): Promise<void> {
  await shell.run(caBundleCommand(trustDir), { stdin: caBundleInput(caPems) });
}

// $1: folder, $2: name. stdin: certificate then key, both PEM; the key file is the owner's only.
const WRITE_CLIENT = `d=\${1:-"$HOME/${DEFAULT_TRUST_DIR}"}/client
umask 077; mkdir -p "$d" || exit 1
cat > "$d/$2.new" && sed -n '/-----BEGIN [A-Z ]*PRIVATE KEY-----/,$p' "$d/$2.new" > "$d/$2.key" &&
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$d/$2.new" > "$d/$2.pem" && rm -f "$d/$2.new"
`;

export async function installClientCertificate(
  shell: RemoteShell,
  upload: CertificateUpload,
  trustDir = '',
): Promise<void> {
  validateCertificateName(upload.name);
  if (!upload.keyPem)
    throw new InvalidInputError('key', 'A client certificate needs its private key.');
  await shell.run(['sh', '-c', WRITE_CLIENT, 'sh', trustDir, upload.name], {
    stdin: `${upload.pem.trim()}\n${upload.keyPem.trim()}\n`,
  });
}

export async function removeClientCertificate(
  shell: RemoteShell,
  name: string,
  trustDir = '',
): Promise<void> {
  validateCertificateName(name);
  await shell.run([
    'sh',
    '-c',
    `d=\${1:-"$HOME/${DEFAULT_TRUST_DIR}"}/client; rm -f "$d/$2.pem" "$d/$2.key"`,
    'sh',
    trustDir,
    name,
  ]);
}
