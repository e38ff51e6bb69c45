import type { Db } from '../db/open.ts';
import type { Severity, Status } from './types.ts';

/** An incident's announcement: what its thread was last told, and where its summary message is once posted. */
export interface Announcement {
  incidentId: number;
  severity: Severity;
  status: Status;
  reportUrl: string | null;
  announcedAt: number;
  /** Where the summary was posted (null until it is): edits go there even if the setting changed since. */
  channelId: string | null;
  messageTs: string | null;
}

interface Row {
  incident_id: number;
  severity: Severity;
  status: Status;
  report_url: string | null;
  announced_at: number;
  channel_id: string | null;
  message_ts: string | null;
}

const toAnnouncement = (r: Row): Announcement => ({
  incidentId: r.incident_id,
  severity: r.severity,
  status: r.status,
  reportUrl: r.report_url,
  announcedAt: r.announced_at,
  channelId: r.channel_id,
  messageTs: r.message_ts,
});

/** All SQL about announcements. */
export class AnnouncementRepository {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      get: db.prepare('SELECT * FROM announcements WHERE incident_id = ?'),
      insert: db.prepare(`INSERT INTO announcements (incident_id, severity, status, report_url, announced_at)
        VALUES (@incidentId, @severity, @status, @reportUrl, @announcedAt)`),
      told: db.prepare(
        'UPDATE announcements SET severity = @severity, status = @status, report_url = @reportUrl WHERE incident_id = @incidentId',
      ),
      posted: db.prepare(`UPDATE announcements SET channel_id = ?, message_ts = ?, posted_at = ?
        WHERE incident_id = ? AND message_ts IS NULL`),
    };
  }

  get(incidentId: number): Announcement | undefined {
    const row = this.stmt.get.get(incidentId) as Row | undefined;
    return row && toAnnouncement(row);
  }

  /** The incident is announced from now on; its thread starts from what it is now. */
  start(a: Pick<Announcement, 'incidentId' | 'severity' | 'status' | 'reportUrl' | 'announcedAt'>): void {
    this.stmt.insert.run(a);
  }

  /** What the thread has now been told. */
  told(a: Pick<Announcement, 'incidentId' | 'severity' | 'status' | 'reportUrl'>): void {
    this.stmt.told.run(a);
  }

  /** The summary message, once posted; the first one recorded stands. */
  posted(incidentId: number, channelId: string, messageTs: string, at: number): void {
    this.stmt.posted.run(channelId, messageTs, at, incidentId);
  }
}
