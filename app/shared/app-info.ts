export const APP_INFO = {
  name: 'ConVirt',
  description: 'Desktop manager for fleets of Xen and KVM hosts',
} as const;
