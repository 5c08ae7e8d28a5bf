// The hosts ConVirt manages and how to reach them. No secret is ever stored here.
import type { Hypervisor } from '../../shared/domain/host.js';
import { isoNow, systemClock, type Clock } from './clock.js';
import { isUniqueViolation, type Db } from './database.js';
import { ConflictError, NotFoundError } from './errors.js';
import {
  AUTH_METHODS,
  type AuthMethod,
  type Host,
  type HostInput,
  type HostListFilter,
  type HostPatch,
} from './types.js';
import {
  validateAddress,
  validateFingerprint,
  validateHostName,
  validateHypervisor,
  validateIdentityFile,
  validateLibvirtUri,
  validateOneOf,
  validateUsername,
} from './validation.js';
import { InvalidInputError, validatePort } from '../../shared/validation/names.js';

interface HostRow {
  id: number;
  name: string;
  address: string;
  port: number;
  username: string;
  hypervisor: Hypervisor;
  libvirt_uri: string | null;
  group_id: number | null;
  use_sudo: number;
  identity_file: string | null;
  auth_method: AuthMethod;
  host_key_fingerprint: string | null;
  created_at: string;
  updated_at: string;
}

/** The columns a caller sets, in the shape the statements bind. */
interface HostValues {
  name: string;
  address: string;
  port: number;
  username: string;
  hypervisor: Hypervisor;
  libvirt_uri: string | null;
  group_id: number | null;
  use_sudo: 0 | 1;
  identity_file: string | null;
  auth_method: AuthMethod;
  host_key_fingerprint: string | null;
}

function toHost(row: HostRow): Host {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    port: row.port,
    username: row.username,
    hypervisor: row.hypervisor,
    libvirtUri: row.libvirt_uri,
    groupId: row.group_id,
    useSudo: row.use_sudo === 1,
    identityFile: row.identity_file,
    authMethod: row.auth_method,
    hostKeyFingerprint: row.host_key_fingerprint,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The SSH port of a host given without one, unless the caller has another default. */
const SSH_PORT = 22;

function toValues(input: HostInput, defaultPort = SSH_PORT): HostValues {
  const hypervisor = validateHypervisor(input.hypervisor);
  const libvirtUri = input.libvirtUri ?? null;
  if (libvirtUri !== null && hypervisor !== 'kvm') {
    throw new InvalidInputError('libvirtUri', 'A libvirt URI applies to KVM hosts only.');
  }
  if (input.useSudo !== undefined && typeof input.useSudo !== 'boolean') {
    throw new InvalidInputError('useSudo', 'useSudo must be true or false.');
  }
  const groupId = input.groupId ?? null;
  if (groupId !== null && !Number.isInteger(groupId)) {
    throw new InvalidInputError('groupId', `Invalid group id ${JSON.stringify(groupId)}.`);
  }
  const identityFile = input.identityFile ?? null;
  const fingerprint = input.hostKeyFingerprint ?? null;
  return {
    name: validateHostName(input.name),
    address: validateAddress(input.address),
    port: validatePort(input.port ?? defaultPort),
    username: validateUsername(input.username),
    hypervisor,
    libvirt_uri: libvirtUri === null ? null : validateLibvirtUri(libvirtUri),
    group_id: groupId,
    use_sudo: input.useSudo ? 1 : 0,
    identity_file: identityFile === null ? null : validateIdentityFile(identityFile),
    auth_method: validateOneOf('authMethod', input.authMethod ?? 'agent', AUTH_METHODS),
    host_key_fingerprint: fingerprint === null ? null : validateFingerprint(fingerprint),
  };
}

function prepare(db: Db) {
  return {
    insert: db.prepare<[HostValues & { now: string }]>(`
      INSERT INTO hosts (name, address, port, username, hypervisor, libvirt_uri, group_id,
        use_sudo, identity_file, auth_method, host_key_fingerprint, created_at, updated_at)
      VALUES (@name, @address, @port, @username, @hypervisor, @libvirt_uri, @group_id,
        @use_sudo, @identity_file, @auth_method, @host_key_fingerprint, @now, @now)`),
    update: db.prepare<[HostValues & { id: number; now: string }]>(`
      UPDATE hosts SET name = @name, address = @address, port = @port, username = @username,
        hypervisor = @hypervisor, libvirt_uri = @libvirt_uri, group_id = @group_id,
        use_sudo = @use_sudo, identity_file = @identity_file, auth_method = @auth_method,
        host_key_fingerprint = @host_key_fingerprint, updated_at = @now
      WHERE id = @id`),
    byName: db.prepare<[string], HostRow>('SELECT * FROM hosts WHERE name = ?'),
    byId: db.prepare<[number], HostRow>('SELECT * FROM hosts WHERE id = ?'),
    all: db.prepare<[], HostRow>('SELECT * FROM hosts ORDER BY name'),
    ungrouped: db.prepare<[], HostRow>('SELECT * FROM hosts WHERE group_id IS NULL ORDER BY name'),
    inGroup: db.prepare<[number], HostRow>('SELECT * FROM hosts WHERE group_id = ? ORDER BY name'),
    inGroupTree: db.prepare<[number], HostRow>(`
      WITH RECURSIVE tree(id, depth) AS (
        SELECT ?, 0
        UNION ALL
        SELECT g.id, tree.depth + 1 FROM host_groups g JOIN tree ON g.parent_id = tree.id
        WHERE tree.depth < 1000
      )
      SELECT * FROM hosts WHERE group_id IN (SELECT id FROM tree) ORDER BY name`),
    delete: db.prepare<[number]>('DELETE FROM hosts WHERE id = ?'),
    groupExists: db.prepare<[number], { id: number }>('SELECT id FROM host_groups WHERE id = ?'),
  };
}

export class HostRepository {
  private readonly sql: ReturnType<typeof prepare>;

  constructor(
    db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.sql = prepare(db);
  }

  /** Stores a new host; one without a port gets `defaultPort` (convirt.conf's default_ssh_port). */
  add(input: HostInput, defaultPort = SSH_PORT): Host {
    const values = toValues(input, defaultPort);
    this.requireGroup(values.group_id);
    try {
      const { lastInsertRowid } = this.sql.insert.run({ ...values, now: isoNow(this.clock) });
      return this.getById(Number(lastInsertRowid))!;
    } catch (error) {
      throw duplicate(error, values.name);
    }
  }

  get(name: string): Host | undefined {
    const row = this.sql.byName.get(name);
    return row && toHost(row);
  }

  getById(id: number): Host | undefined {
    const row = this.sql.byId.get(id);
    return row && toHost(row);
  }

  /** Hosts by name; all of them unless the filter names a group (null: ungrouped hosts). */
  list(filter: HostListFilter = {}): Host[] {
    const { groupId } = filter;
    const rows =
      groupId === undefined
        ? this.sql.all.all()
        : groupId === null
          ? this.sql.ungrouped.all()
          : filter.includeSubgroups
            ? this.sql.inGroupTree.all(groupId)
            : this.sql.inGroup.all(groupId);
    return rows.map(toHost);
  }

  /**
   * Changes the given fields (a new `name` renames the host; its tags follow). A new address
   * or port forgets the confirmed host key, unless the patch gives one: the key confirmed for
   * one endpoint says nothing about another.
   */
  update(name: string, patch: HostPatch): Host {
    const current = this.require(name);
    const defined = Object.fromEntries(
      Object.entries(patch).filter(([, value]) => value !== undefined),
    ) as HostPatch;
    const merged: HostInput = { ...current, ...defined };
    const endpointChanged =
      (defined.address !== undefined && defined.address !== current.address) ||
      (defined.port !== undefined && defined.port !== current.port);
    if (endpointChanged && !('hostKeyFingerprint' in defined)) merged.hostKeyFingerprint = null;
    const values = toValues(merged);
    this.requireGroup(values.group_id);
    try {
      this.sql.update.run({ ...values, id: current.id, now: isoNow(this.clock) });
    } catch (error) {
      throw duplicate(error, values.name);
    }
    return this.getById(current.id)!;
  }

  /** Removes a host and the tags on it and on its VMs. */
  remove(name: string): void {
    this.sql.delete.run(this.require(name).id);
  }

  moveToGroup(name: string, groupId: number | null): Host {
    return this.update(name, { groupId });
  }

  private require(name: string): Host {
    const host = this.get(name);
    if (!host) throw new NotFoundError('host', name, `No host named ${JSON.stringify(name)}.`);
    return host;
  }

  private requireGroup(groupId: number | null): void {
    if (groupId !== null && !this.sql.groupExists.get(groupId)) {
      throw new NotFoundError('group', groupId, `No group with id ${groupId}.`);
    }
  }
}

function duplicate(error: unknown, name: string): unknown {
  return isUniqueViolation(error)
    ? new ConflictError(`A host named ${JSON.stringify(name)} already exists.`)
    : error;
}
