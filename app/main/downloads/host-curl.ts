// curl on the host, as argument lists only. The URL is a validated argument; HTTP headers go to
// curl's standard input (`--header @-`), so they reach neither a shell nor the host's process
// list. A fixed wrapper script adds the trust store ConVirt keeps on the host (see
// certificates.ts): the CA bundle, and the client certificate a template names.
import type { Checksum } from '../../shared/validation/download-source.js';
import type { HttpHeader } from '../../shared/validation/download-source.js';

/** Where ConVirt keeps its certificates on every host (certificates.ts), under the login's home. */
export const DEFAULT_TRUST_DIR = '.convirt/certs';

export interface CurlRequest {
  url: string;
  headers?: readonly HttpHeader[];
  /** Name of an uploaded client certificate to present (certificates.ts). */
  clientCertificate?: string;
  /** ConVirt's trust store on the host; DEFAULT_TRUST_DIR under the home when not given. */
  trustDir?: string;
}

const CURL = [
  'curl',
  '--globoff',
  '--silent',
  '--show-error',
  '--location',
  '--max-redirs',
  '5',
  '--proto',
  '=http,https',
  '--proto-redir',
  '=http,https',
  '--connect-timeout',
  '20',
  '--header',
  '@-',
];

// $1: the trust store folder ('' for the default), $2: a client certificate name or '', the
// rest: the curl command. Adds --cacert/--cert when ConVirt's trust store has them.
const WITH_TRUST_STORE = `d=\${1:-"$HOME/${DEFAULT_TRUST_DIR}"}; client=$2; shift 2
if [ -f "$d/ca-bundle.pem" ]; then set -- "$@" --cacert "$d/ca-bundle.pem"; fi
if [ -n "$client" ]; then set -- "$@" --cert "$d/client/$client.pem" --key "$d/client/$client.key"; fi
`;

export function headerLines(headers: readonly HttpHeader[] = []): string {
  return headers.map((h) => `${h.name}: ${h.value}\n`).join('');
}

/**
 * `sh -c` running `body` with "$@" set to the curl command (trust store included). `params` are
 * the body's own arguments, read by `preamble` (which must shift them off).
 */
function curlScript(
  request: CurlRequest,
  extra: readonly string[],
  body: string,
  preamble = '',
  params: readonly string[] = [],
): string[] {
  return [
    'sh',
    '-c',
    preamble + WITH_TRUST_STORE + body,
    'sh',
    ...params,
    request.trustDir ?? '',
    request.clientCertificate ?? '',
    ...CURL,
    ...extra,
    '--url',
    request.url,
  ];
}

/** Prints `STATUS<TAB>CONTENT-LENGTH<TAB>CONTENT-TYPE` of the final response of a HEAD (or GET). */
export function probeCommand(request: CurlRequest, method: 'HEAD' | 'GET'): string[] {
  const extra = [
    ...(method === 'HEAD' ? ['--head'] : ['--range', '0-0']),
    '--output',
    '/dev/null',
    '--write-out',
    '%{http_code}\\t%header{content-length}\\t%{content_type}\\t%header{content-range}\\n',
  ];
  return curlScript(request, extra, 'exec "$@"\n');
}

/** Prints the body (at most `maxBytes`) of a small document: a metalink. */
export function fetchCommand(request: CurlRequest, maxBytes: number): string[] {
  return curlScript(request, ['--fail', '--max-filesize', String(maxBytes)], 'exec "$@"\n');
}

/**
 * Prints the first `count` bytes of the file as hex (`od`): a ranged GET, cut by `head` when the
 * server ignores the range and sends it all.
 */
export function leadingBytesCommand(request: CurlRequest, count: number): string[] {
  return curlScript(
    request,
    ['--fail', '--range', `0-${count - 1}`],
    '"$@" | head -c "$n" | od -An -v -tx1\n',
    'n=$1; shift\n',
    [String(count)],
  );
}

/** Exit status of downloadCommand when the file does not match its checksum. */
export const EXIT_CHECKSUM_MISMATCH = 3;
/** Exit status of downloadCommand when curl failed (HTTP error, dropped connection...). */
export const EXIT_DOWNLOAD_FAILED = 4;

/**
 * Downloads to DEST.part (curl writes the file itself, at its own pace) while the digest follows
 * the file as it grows (`tail -f` until curl has exited, piped to the digest): the data is hashed
 * once, as it arrives, from the file itself, and curl never waits for the hash. OpenSSL's digest
 * where there is one (several times less CPU than coreutils' `ALGORITHMsum` on CPUs with SHA
 * instructions). Prints `progress BYTES` lines while it runs (`downloaded` when the transfer is
 * over), compares the digest and renames to DEST. The exit status of every stage is kept (dash
 * has no pipefail). On a mismatch or a failed download nothing stays.
 */
export function downloadCommand(request: CurlRequest, dest: string, checksum: Checksum): string[] {
  const body = `part="$dest.part"
if command -v openssl >/dev/null 2>&1; then digest() { openssl dgst "-$algo" -r; }
else digest() { "\${algo}sum"; }; fi
st=$(mktemp -d) || exit ${EXIT_DOWNLOAD_FAILED}
trap 'rm -rf "$st"' EXIT
exec 3<&0
# Created first, so tail follows the very file curl writes.
if ! : >"$part"; then echo "cannot create $part" >&2; exit ${EXIT_DOWNLOAD_FAILED}; fi
"$@" --fail --output "$part" <&3 &
pid=$!
{ tail -c +1 -s 0.05 -f --pid="$pid" "$part"; echo $? >"$st/tail"; } | digest >"$st/sum" &
hasher=$!
# Progress from a side loop, so the end of the download is seen at once (wait), not polled.
( while :; do s=$(stat -c %s "$part" 2>/dev/null) && echo "progress $s"; sleep 0.5 >/dev/null 2>&1; done ) &
ticker=$!
# Reaped here, so tail sees curl gone (a zombie would still count as running).
wait "$pid"; fetched=$?
kill "$ticker"
[ "$fetched" = 0 ] && echo downloaded
wait "$hasher"; hashed=$?
read -r followed <"$st/tail"
if [ "$fetched" != 0 ] || [ "$followed" != 0 ] || [ "$hashed" != 0 ]; then
  rm -f "$part"
  echo "the download failed (curl: $fetched, tail: \${followed:-killed}, digest: $hashed)" >&2
  exit ${EXIT_DOWNLOAD_FAILED}
fi
got=$(cut -d' ' -f1 <"$st/sum")
if [ "$got" != "$expected" ]; then
  rm -f "$part"; echo "checksum mismatch: expected $expected, got $got" >&2; exit ${EXIT_CHECKSUM_MISMATCH}
fi
mv -f "$part" "$dest" && stat -c "done %s" "$dest"
`;
  return curlScript(request, [], body, 'dest=$1 algo=$2 expected=$3; shift 3\n', [
    dest,
    checksum.algorithm,
    checksum.hex,
  ]);
}
