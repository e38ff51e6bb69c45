import type { Db } from '../db/open.ts';
import type { UserRef } from './types.ts';

/** All SQL about who is in each incident's room (its channel in chat). */
export class MemberRepository {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      // A change older than the last one told for that person is stale: it was delivered late.
      told: db.prepare(`INSERT INTO channel_members (incident_id, user_id, member, changed_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (incident_id, user_id) DO UPDATE SET member = excluded.member, changed_at = excluded.changed_at
        WHERE excluded.changed_at >= channel_members.changed_at`),
      // The bot's own invite: in the room now, whatever was told before (its event follows, dated later).
      invited: db.prepare(`INSERT INTO channel_members (incident_id, user_id, member, changed_at) VALUES (?, ?, 1, 0)
        ON CONFLICT (incident_id, user_id) DO UPDATE SET member = 1 WHERE channel_members.member = 0`),
      isMember: db.prepare('SELECT 1 FROM channel_members WHERE incident_id = ? AND user_id = ? AND member = 1'),
    };
  }

  /**
   * Records that `user` joined or left the room at `at` (the chat's date of the change); returns
   * whether that changed who is in it (not when they already were, or the news is older than what is known).
   */
  told(incidentId: number, user: UserRef, joined: boolean, at: number): boolean {
    const before = this.isMember(incidentId, user);
    this.stmt.told.run(incidentId, user, joined ? 1 : 0, at);
    return this.isMember(incidentId, user) !== before;
  }

  /** Records people the bot itself brought into the room; returns those who were not in it before. */
  invited(incidentId: number, users: UserRef[]): UserRef[] {
    return users.filter((u) => this.stmt.invited.run(incidentId, u).changes === 1);
  }

  isMember(incidentId: number, user: UserRef): boolean {
    return this.stmt.isMember.get(incidentId, user) !== undefined;
  }
}
