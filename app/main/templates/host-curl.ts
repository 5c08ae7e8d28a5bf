// curl on the host, as argument lists only. The URL is a validated argument; HTTP headers go to
// curl's standard input (`--header @-`), so they reach neither a shell nor the host's process
// list. A fixed wrapper script adds the trust store ConVirt keeps on the host (see
// certificates.ts): the CA bundle, and the client certificate a template names.
import type { Checksum } from '../../shared/validation/download-source.js';
import type { HttpHeader } from '../../shared/validation/download-source.js';
import { uninterrupted } from '../ssh/exit-traps.js';

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

/** The bytes a `progress BYTES` line of downloadCommand reports; undefined for other lines. */
export function progressBytes(line: string): number | undefined {
  const [word, value] = line.split(' ');
  const bytes = Number(value);
  return word === 'progress' && Number.isFinite(bytes) ? bytes : undefined;
}

/** The .part a `part PATH` line of downloadCommand names (before it makes it); else undefined. */
export function announcedPart(line: string): string | undefined {
  return line.startsWith('part ') ? line.slice('part '.length) : undefined;
}

/** Exit status of downloadCommand when the file does not match its checksum. */
export const EXIT_CHECKSUM_MISMATCH = 3;
/** Exit status of downloadCommand when curl failed (HTTP error, dropped connection...). */
export const EXIT_DOWNLOAD_FAILED = 4;

// Follows DEST.part as curl writes it and prints its digest: big reads straight from the file
// (no pipe), hashed by OpenSSL inside Python's hashlib. Reads until the marker file exists (curl
// has exited, so every byte is in the file), then to the end; gives up when the marker's folder
// is gone (the download was cancelled). Python 3.6+; -I -S starts it in
// about a tenth of the time the standard start takes.
const FOLLOW_AND_HASH = `import hashlib, os, sys, time
path, algo, marker = sys.argv[1:4]
h = hashlib.new(algo)
buf = bytearray(4 << 20)
view = memoryview(buf)
with open(path, 'rb', buffering=0) as f:
    finished = False
    while True:
        n = f.readinto(buf)
        if n:
            h.update(view[:n])
        elif finished:
            break
        elif not os.path.isdir(os.path.dirname(marker)):
            sys.exit('cancelled')
        else:
            finished = os.path.exists(marker)
            if not finished:
                time.sleep(0.02)
print(h.hexdigest())
`;

/**
 * Downloads to DEST.part-HOST-PID while the digest follows the file as it grows: the data is hashed once,
 * as it arrives, from the file itself, and curl never waits for the hash. Python's hashlib
 * (OpenSSL) reading the file in 4 MiB blocks where there is python3; otherwise `tail -f` piped
 * to `openssl dgst` (or coreutils' `ALGORITHMsum`), which costs curl about a fifth of its speed
 * on a busy host (8 KiB reads through a pipe). The .part is created new, never truncated: ext4
 * flushes a truncated-then-rewritten file when it is closed (auto_da_alloc), a third of the
 * transfer time on a fast link. Prints `part PATH` before making the .part, `progress BYTES`
 * lines while it runs (`downloaded` when the transfer is over), compares the digest and renames
 * to DEST. The exit status of every stage is kept (dash has no pipefail). On a mismatch, a failed
 * download or a closed channel nothing stays.
 */
export function downloadCommand(request: CurlRequest, dest: string, checksum: Checksum): string[] {
  const body = `# Each run its own .part (this host's name and this shell's PID): two downloads to one
# destination, even on shared storage, never write, hash or rename each other's file. A stale
# one of this PID cannot belong to a live run.
me=$(uname -n)
part="$dest.part-$me-$$"
st=$(mktemp -d) || exit ${EXIT_DOWNLOAD_FAILED}
trap '${uninterrupted('rm -rf "$st"')}' EXIT
# A closed channel makes a write fail rather than kill this shell past its cleanup.
trap '' PIPE
# Cancelled (a signal, or ConVirt's end of the channel closed: see the ticker): curl, the ticker
# and the hasher stop and nothing stays (a python3 the hasher started ends once $st is gone).
pid= ticker= hasher=
trap '${uninterrupted('kill $pid $ticker $hasher 2>/dev/null; rm -f "$part"; exit 143')}' TERM HUP INT
exec 3<&0
# A new file (noclobber: O_EXCL), which curl fills through its standard output. The .part of a
# run of this host whose shell is gone (killed outright, or the host rebooted) is removed on
# the way; other hosts' are theirs.
for old in "$dest.part-$me-"*; do
  [ -f "$old" ] && [ ! -d "/proc/\${old##*-}" ] && rm -f "$old"
done
rm -f "$part"
# Named before it exists, so ConVirt's task log says what this run may leave; nobody to tell
# means ConVirt is gone: nothing is made.
echo "part $part" || exit 143
if ! (set -C; exec 4>"$part"); then echo "cannot create $part" >&2; exit ${EXIT_DOWNLOAD_FAILED}; fi
"$@" --fail <&3 >>"$part" &
pid=$!
if command -v openssl >/dev/null 2>&1; then digest() { openssl dgst "-$algo" -r; }
else digest() { "\${algo}sum"; }; fi
# tail stops when curl is gone: it is reaped by the wait below (a zombie counts as running).
follow_with_tail() {
  : >"$st/tail"
  { tail -c +1 -s 0.05 -f --pid="$pid" "$part"; echo $? >"$st/tail"; } | { digest >"$st/sum"; echo $? >"$st/hash"; }
}
# Python where it works; a python3 that fails (a broken one, an old one) hands over to tail,
# which starts again from the first byte.
if command -v python3 >/dev/null 2>&1; then
  { if python3 -I -S -c "$follow" "$part" "$algo" "$st/fetched" >"$st/sum"; then echo 0 >"$st/hash"
    elif [ -d "$st" ]; then follow_with_tail; fi; } &
else
  follow_with_tail &
fi
hasher=$!
# Progress from a side loop, so the end of the download is seen at once (wait), not polled. A
# progress line that cannot be written means nobody follows any more: cancel the whole download.
# It also ends by itself once curl is done (a TERM sent right after the fork can be lost while
# the subshell resets its traps).
( while [ -d "$st" ] && [ ! -e "$st/fetched" ]; do
    if s=$(stat -c %s "$part" 2>/dev/null); then echo "progress $s" || { kill -TERM $$; exit; }; fi
    sleep 0.5 >/dev/null 2>&1
  done ) &
ticker=$!
wait "$pid"; fetched=$?
: >"$st/fetched"
kill "$ticker"
pid= ticker=
if [ "$fetched" = 0 ]; then echo downloaded || { rm -f "$part"; exit 143; }; fi
wait "$hasher"; hasher=
read -r hashed <"$st/hash"
# Without the tail fallback there is no follower status to read; with it, empty means killed.
followed=0; [ -f "$st/tail" ] && { read -r followed <"$st/tail" || followed=; }
if [ "$fetched" != 0 ] || [ "$followed" != 0 ] || [ "$hashed" != 0 ]; then
  # curl's 23 is a write error: say whether the disk is full, before the .part frees it.
  [ "$fetched" = 23 ] && df -P -k -- "$part" 2>/dev/null | awk 'NR == 2 {
    if ($4 == 0) print "no space left on the host disk (" $6 ")"; else print "cannot write the download (" $4 " KiB free on " $6 ")" }' >&2
  rm -f "$part"
  echo "the download failed (curl: $fetched, follower: \${followed:-killed}, digest: \${hashed:-killed})" >&2
  exit ${EXIT_DOWNLOAD_FAILED}
fi
got=$(cut -d' ' -f1 <"$st/sum")
if [ "$got" != "$expected" ]; then
  rm -f "$part"; echo "checksum mismatch: expected $expected, got $got" >&2; exit ${EXIT_CHECKSUM_MISMATCH}
fi
mv -f "$part" "$dest" && stat -c "done %s" "$dest"
`;
  return curlScript(request, [], body, 'dest=$1 algo=$2 expected=$3 follow=$4; shift 4\n', [
    dest,
    checksum.algorithm,
    checksum.hex,
    FOLLOW_AND_HASH,
  ]);
}
