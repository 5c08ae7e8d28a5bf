// A VM is known by its host and name; the store indexes VMs by this one string key.
export type VmKey = `${string}/${string}`;

export function vmKey(host: string, vm: string): VmKey {
  return `${host}/${vm}`;
}

export function splitVmKey(key: string): { host: string; vm: string } {
  const slash = key.indexOf('/');
  return { host: key.slice(0, slash), vm: key.slice(slash + 1) };
}
