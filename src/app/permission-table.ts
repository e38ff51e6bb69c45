import type { Settings } from '../config/settings.ts';
import type { PermissionTable } from '../incidents/permissions.ts';

/** The settings' permissions as the domain's table; reopening defaults to whoever may resolve. */
export function permissionTable(settings: Settings): PermissionTable {
  const p = settings.permissions;
  return {
    rules: {
      resolve: p.resolve,
      reopen: p.reopen ?? p.resolve,
      severity: p.severity,
      publish: settings.status_page.publish,
      postmortem_force: p.postmortem_force,
      role_commander: p.role.commander,
      role_comms: p.role.comms,
      page: p.page,
      automations: p.automations,
    },
    admins: p.admins,
  };
}
