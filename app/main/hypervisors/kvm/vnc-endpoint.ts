// Where a running domain's VNC display listens, read from its live domain XML (libvirt fills in
// the port it chose for `autoport`). The display is reached from the host's side of a tunnel, so
// a wildcard listen address means the host's own loopback.
import { XMLParser } from 'fast-xml-parser';

export type VncEndpoint =
  { kind: 'tcp'; address: string; port: number } | { kind: 'socket'; path: string };

/** An element's attributes, as the parser names them (`@_port`). */
type Attributes = Record<`@_${string}`, string | undefined>;
type Graphics = Attributes & { listen?: Attributes[] };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  isArray: (name, _path, _leaf, isAttribute) =>
    !isAttribute && (name === 'graphics' || name === 'listen'),
});

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** The VNC endpoint of a running domain, or a plain error saying why there is none. */
export function parseVncEndpoint(xml: string, vm: string): VncEndpoint {
  const doc = parser.parse(xml) as {
    domain?: { devices?: { graphics?: Graphics[] } };
  };
  if (!doc.domain) throw new Error(`The definition of ${vm} is not a libvirt domain.`);
  const all = doc.domain.devices?.graphics ?? [];
  const vnc = all.find((g) => g['@_type'] === 'vnc');
  if (!vnc) {
    const others = all.map((g) => g['@_type']).filter(Boolean);
    throw new Error(
      others.length
        ? `${vm} has no VNC display (only ${others.join(', ')}); ConVirt shows VNC displays.`
        : `${vm} has no graphical display.`,
    );
  }
  const listen: Attributes = vnc.listen?.[0] ?? {};
  const socket =
    vnc['@_socket'] ?? (listen['@_type'] === 'socket' ? listen['@_socket'] : undefined);
  if (socket) return { kind: 'socket', path: socket };
  if (listen['@_type'] === 'none') {
    throw new Error(`The VNC display of ${vm} does not listen anywhere.`);
  }
  const port = Number(vnc['@_port']);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`The VNC display of ${vm} has no port yet: is the VM running?`);
  }
  const address = listen['@_address'] ?? vnc['@_listen'];
  return {
    kind: 'tcp',
    address: !address || WILDCARDS.has(address) ? '127.0.0.1' : address.replace(/^\[|\]$/g, ''),
    port,
  };
}
