import type { UserRef } from './types.ts';

/** Statuspage's words for a maintenance window's life, in order. */
export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export interface Maintenance {
  id: number;
  name: string;
  status: MaintenanceStatus;
  scheduledFor: number;
  scheduledUntil: number;
  components: string[];
  createdBy: UserRef | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  completedAt: number | null;
  statuspageId: string | null;
  /** A chat channel was asked for when it was scheduled (none otherwise). */
  wantsChannel: boolean;
  channelId: string | null;
}

export interface MaintenanceUpdate {
  id: number;
  maintenanceId: number;
  status: MaintenanceStatus;
  body: string;
  at: number;
}
