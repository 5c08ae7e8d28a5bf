// Light load generators for the simulated hosts of bench:poll and bench:ui at a thousand hosts,
// where a real virsh per host (about 20 MB each, kept open by the poll session) would not fit on
// the test machine. A `virsh` wrapper put first on the hosts' PATH (convirt.conf's exec_path)
// answers the poll of a simulated host from that host's canned output, recorded once from the
// real virsh on the libvirt test driver; everything else (host facts, the naive way, real VMs)
// goes to the real virsh. Every byte still crosses a real SSH connection to the real sshd.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KvmDriver } from '../app/main/hypervisors/kvm/kvm-driver.js';
import type { SshConnection } from '../app/main/ssh/ssh-connection.js';

// The poll session (`virsh -q -c URI`, then command lines on stdin): the canned answers read once,
// then printed with no process per poll. A shell loop forking `cat` cost the host 8 ms of CPU a
// poll, which at 1,000 hosts on the test machine's 2 cores left the manager and the page less
// than the simulated hosts, while a real host pays its own virsh on its own CPU.
const SESSION_SCRIPT = `use strict;
my $canned = shift;
my %answer;
for my $kind ('list', 'stats') {
  open(my $in, '<', "$canned.$kind") or die "$canned.$kind: $!";
  local $/;
  $answer{$kind} = <$in>;
}
$| = 1;
while (my $line = <STDIN>) {
  chomp $line;
  if ($line =~ /^list /) { print $answer{list} }
  elsif ($line =~ /^domstats /) { print $answer{stats} }
  elsif ($line =~ /^echo (.*)/) { print "$1\\n" }
  elsif ($line eq 'quit') { exit 0 }
}
`;

// Matches KvmDriver's poll: one session line each, or both joined by ' ; ' as one exec.
const wrapper = (factsDir: string, sessionScript: string) => `#!/bin/sh
# ConVirt bench: answers the poll of a simulated host (test:///.../simN.xml) from canned output.
real=${JSON.stringify(realVirsh())}
facts=${JSON.stringify(factsDir)}
case "$3" in
  test://*/sim*.xml) canned=\${3#test://}; canned=\${canned%.xml} ;;
  *) exec "$real" "$@" ;;
esac
[ $# -eq 3 ] && exec perl ${JSON.stringify(sessionScript)} "$canned"
case "$4" in
  'list --all --uuid --name ; domstats '*) cat "$canned.list" "$canned.stats" ;;
  # Host facts (adding a host): every simulated host has the test driver's node, so the first
  # answer to each command line is kept and given to all.
  nodeinfo|nodememstats|version|pool-list|pool-info|pool-dumpxml|net-list|net-info)
    uri=$3
    shift 3
    memo=$facts/$(printf '%s\\n' "$@" | tr -c 'A-Za-z0-9\\n-' '_' | tr '\\n' '+')
    if [ ! -f "$memo" ]; then
      "$real" -q -c "$uri" "$@" > "$memo.$$" || { rc=$?; rm -f "$memo.$$"; exit $rc; }
      mv "$memo.$$" "$memo"
    fi
    cat "$memo" ;;
  *) exec "$real" "$@" ;;
esac
`;

function realVirsh(): string {
  return execFileSync('sh', ['-c', 'command -v virsh'], { encoding: 'utf8' }).trim();
}

/** The poll's two answers (domain list, domstats) from the real virsh, for the host at `uri`. */
export function recordPollAnswer(uri: string): { list: string; stats: string } {
  const sample = new KvmDriver({} as SshConnection, { uri }).pollArgv();
  const [list, stats] = sample.at(-1)!.split(' ; ');
  const virsh = (command: string) =>
    execFileSync(realVirsh(), ['-q', '-c', uri, ...command.split(' ')], { encoding: 'utf8' });
  return { list: virsh(list!), stats: virsh(stats!) };
}

/** sim0's answer made simulated host `index`'s: its own VM names (h<index>-vmN) and UUIDs. */
export function answerForHost(text: string, index: number): string {
  return text
    .replaceAll('h0-vm', `h${index}-vm`)
    .replace(
      /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-)[0-9a-f]{12}/g,
      (_m, head) => `${head as string}${index.toString(16).padStart(12, '0')}`,
    );
}

/**
 * Records each simulated host's poll answer next to its XML file and writes the wrapper;
 * returns the folder to put first on exec_path.
 */
export function writeLightHosts(dir: string, uris: ReadonlyMap<string, string>): string {
  const [first] = uris.values();
  const { list, stats } = recordPollAnswer(first!);
  let index = 0;
  for (const uri of uris.values()) {
    const base = uri.replace(/^test:\/\//, '').replace(/\.xml$/, '');
    writeFileSync(`${base}.list`, answerForHost(list, index));
    writeFileSync(`${base}.stats`, answerForHost(stats, index));
    index++;
  }
  const bin = join(dir, 'light-virsh-bin');
  mkdirSync(bin, { recursive: true });
  const facts = join(dir, 'light-virsh-facts');
  mkdirSync(facts, { recursive: true });
  const sessionScript = join(bin, 'virsh-session.pl');
  writeFileSync(sessionScript, SESSION_SCRIPT);
  writeFileSync(join(bin, 'virsh'), wrapper(facts, sessionScript));
  chmodSync(join(bin, 'virsh'), 0o755);
  return bin;
}
